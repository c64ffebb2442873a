#!/usr/bin/env node
// zonecast's entry point. Node's on-disk compile cache keeps type-stripped, compiled modules between starts:
// importing the server drops from about 250 ms to 50 ms, and a small zone serves in about 0.4 s instead of
// 0.8 s, which counts most when a large zone must serve soon after start. It must be on before any of our
// modules load (hence the dynamic import), and worker threads only take it from the environment.
// Run through npm scripts or npx so that Node 24 from node_modules is used.
import { enableCompileCache } from 'node:module';

const { directory } = enableCompileCache();
if (directory !== undefined) process.env.NODE_COMPILE_CACHE ??= directory;
await import('../services/cli.ts');
