import type { ReactNode } from 'react';
import Link from 'next/link';
import { Providers } from './_components/Providers';
import './globals.css';

export const metadata = {
  title: 'lrscope',
  description: 'Watch LaMa / PyTorch Lightning training runs and tune their learning-rate schedule',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="top">
          <Link href="/" className="brand">lrscope</Link>
          <span className="muted">loss + learning-rate curves, live</span>
        </header>
        <main>
          <Providers>{children}</Providers>
        </main>
      </body>
    </html>
  );
}
