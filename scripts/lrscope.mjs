#!/usr/bin/env node
// The `lrscope` bin: runs the TypeScript CLI through tsx so no build step is needed.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.env.LRSCOPE_ROOT ??= root;
register();
const { main } = await import(pathToFileURL(path.join(root, 'server/cli/main.ts')).href);
const code = await main(process.argv.slice(2));
process.exitCode = code;
