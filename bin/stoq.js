#!/usr/bin/env node
// The `stoq` command. The code lives in dist/ (built by `npm ci` through the prepare script).
import { main } from '../dist/src/cli/main.js';

const code = await main(process.argv);
// Let stdout drain before exiting; connectors and plugins were closed by the command.
process.exitCode = code;
