import type { ReactNode } from 'react';
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
          <a href="/" className="brand">lrscope</a>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
