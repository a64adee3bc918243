import { ConfigError, readConfig } from '../config.js';
import { serve } from '../serve.js';
import { parse, UsageError, type Command } from './args.js';
import { checkCommand } from './check.js';
import { demoFeedCommand } from './demo-feed.js';
import { importCommand } from './import.js';
import { keysCommand } from './keys.js';
import { migrateCommand } from './migrate.js';
import { seedCommand } from './seed.js';

const serveCommand: Command = {
  name: 'serve',
  summary: 'run the gateway (what `npm start` runs)',
  usage: 'marketgraph serve [--migrate]',
  options: { migrate: { type: 'boolean' } },
  async run(values) {
    // --migrate adds to MIGRATE_ON_START; without it the setting decides (it was overridden
    // with false, so `MIGRATE_ON_START=true npm start` refused to start: issue 14).
    await serve(readConfig(), values.migrate === true ? { migrate: true } : {});
    return -1; // keeps running until a signal
  },
};

const COMMANDS: Command[] = [serveCommand, migrateCommand, seedCommand, checkCommand, demoFeedCommand, importCommand, keysCommand];

const ENVIRONMENT_NOTE = `Configuration comes from the environment (PORT, HOST, DATA_DIR, POSTGRES_URL, ...): see README.md.`;

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: marketgraph <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `marketgraph <command> --help` for a command’s options.',
    ENVIRONMENT_NOTE,
  ].join('\n');
}

function help(command: Command): string {
  const options = Object.keys(command.options).map((o) => `  --${o}`);
  return [`Usage: ${command.usage}`, '', command.summary, ...(options.length ? ['', 'Options:', ...options, '  --help'] : []), '', ENVIRONMENT_NOTE].join('\n');
}

/** Runs the command line; resolves with the exit code (-1: keep running, the command serves). */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(overview());
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    console.error(`marketgraph: unknown command "${name}"\n\n${overview()}`);
    return 2;
  }
  try {
    const { values, positionals } = parse(command, rest);
    if (values.help) {
      console.log(help(command));
      return 0;
    }
    return await command.run(values, positionals);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`marketgraph ${command.name}: ${error.message}\n\n${help(command)}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      console.error(`marketgraph ${command.name}: ${error.message}`);
      return 2;
    }
    console.error(`marketgraph ${command.name}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

const code = await runCli(process.argv.slice(2));
if (code >= 0) process.exit(code);
