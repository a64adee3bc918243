import { accessSync, constants } from 'node:fs';

/** A temporary directory in memory (/dev/shm) where there is one this process can write in. */
export function inMemoryTmp(): string | undefined {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return undefined;
  }
}
