#!/usr/bin/env node
import { ConfigError } from '../server/config.js';
import { chat } from './chat.js';
import { serve } from './serve.js';

const USAGE = `Usage:
  switchboard serve [options]   run the gateway (switchboard serve --help lists the options)
  switchboard chat URL [opts]   chat from the terminal (switchboard chat --help)
  switchboard --help            this text
`;

/** Runs a switchboard command. */
async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'chat':
      return chat(rest);
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(command ? `switchboard: unknown command "${command}"\n${USAGE}` : USAGE);
      process.exit(2);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`switchboard: ${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(1);
});
