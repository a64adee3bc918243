import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake on the command line: printed as it is, with the command's usage, exit code 2. */
export class UsageError extends Error {}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Returns the process exit code. */
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number>;
}

/** Parses strictly: an unknown flag or a missing value is a UsageError naming it. */
export function parse(command: Command, argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // node's messages name the flag ("Unknown option '--nope'"); its code is noise to a user.
    const message = error instanceof Error ? error.message.replace(/\. To specify a positional.*$/s, '') : String(error);
    throw new UsageError(message);
  }
}
