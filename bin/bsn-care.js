#!/usr/bin/env node
// Entry for `npx bsn-care`: registers tsx so the TypeScript sources run as they are.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../cli/app.ts');
process.exitCode = await main(process.argv.slice(2));
