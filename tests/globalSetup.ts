// The dashboard tests run against a production build; build it once when the sources changed.
import { ensureBuild } from '../server/cli/dashboard';

export default function setup(): void {
  process.env.LRSCOPE_ROOT ??= process.cwd();
  ensureBuild((s) => process.stdout.write(s));
}
