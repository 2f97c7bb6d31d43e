// Writes a LaMa run's configs as bin/train.py and Lightning leave them: experiments/<run>/config.yaml and
// .hydra/{config,hydra,overrides}.yaml, and hparams.yaml beside the event files. The text comes from
// lamaFormat.ts; this is the I/O edge the generators (gen:lab, the benchmarks, the test trees) share.
import fs from 'node:fs';
import path from 'node:path';
import { configYaml, hparamsYaml, hydraYaml, overridesYaml, type LamaRunSpec } from './lamaFormat';

export function writeRunConfigs(runDir: string, tbDir: string, spec: LamaRunSpec, overrides: string[]): void {
  fs.mkdirSync(path.join(runDir, '.hydra'), { recursive: true });
  fs.mkdirSync(tbDir, { recursive: true });
  fs.writeFileSync(path.join(runDir, 'config.yaml'), configYaml(spec));
  fs.writeFileSync(path.join(runDir, '.hydra', 'config.yaml'), configYaml(spec));
  fs.writeFileSync(path.join(runDir, '.hydra', 'hydra.yaml'), hydraYaml(spec, overrides));
  fs.writeFileSync(path.join(runDir, '.hydra', 'overrides.yaml'), overridesYaml(overrides));
  fs.writeFileSync(path.join(tbDir, 'hparams.yaml'), hparamsYaml(spec));
}
