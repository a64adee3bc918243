/**
 * Import progress on stderr: a bar redrawn in place on a terminal (5 times a second), plain
 * lines otherwise (every 5 s), so a log file gets a readable record and no control characters.
 */
export interface Progress {
  /** `fraction` of the input read, `ticks` answered by the gateway so far. */
  update(label: string, fraction: number, ticks: number): void;
  done(): void;
}

const TERMINAL_EVERY_MS = 200;
const LOG_EVERY_MS = 5_000;
const BAR = 24; // characters

export function createProgress(stream: NodeJS.WriteStream, now = () => performance.now()): Progress {
  const tty = stream.isTTY === true;
  const started = now();
  let shown = started;
  let drawn = false;
  return {
    update(label, fraction, ticks) {
      const at = now();
      if (at - shown < (tty ? TERMINAL_EVERY_MS : LOG_EVERY_MS)) return;
      shown = at;
      const seconds = (at - started) / 1000;
      const rate = Math.round(ticks / seconds).toLocaleString('en-US');
      const left = fraction > 0 ? duration((seconds / fraction) * (1 - fraction)) : '?';
      const percent = `${(fraction * 100).toFixed(1)}%`;
      if (tty) {
        const filled = Math.round(fraction * BAR);
        stream.write(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${percent} ${label}  ${ticks.toLocaleString('en-US')} ticks  ${rate} ticks/s  ${left} left`);
        drawn = true;
      } else stream.write(`import: ${percent} of ${label}, ${ticks.toLocaleString('en-US')} ticks, ${rate} ticks/s, ${left} left\n`);
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}

const duration = (s: number) => (s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min` : s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`);
