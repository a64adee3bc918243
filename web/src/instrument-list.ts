import { direction, el, percent, price } from './format.js';

/** One instrument's latest prices and today's opening bid, as the page keeps them. */
export interface Quote {
  symbol: string;
  description: string | null;
  digits: number;
  bid: number | null;
  ask: number | null;
  /** Bid at today's first tick (UTC), from the D1 candle: the base of the day's change. */
  dayOpen: number | null;
}

export const dayChange = (q: Quote) => (q.bid !== null && q.dayOpen ? ((q.bid - q.dayOpen) / q.dayOpen) * 100 : null);

interface Row {
  row: HTMLAnchorElement;
  bid: HTMLElement;
  ask: HTMLElement;
  change: HTMLElement;
}

const FLASH_MS = 700;

/** The instrument list: one link per instrument, its cells rewritten (and flashed) by each tick. */
export function instrumentList(root: HTMLElement, quotes: Quote[]) {
  const rows = new Map<string, Row>();
  root.replaceChildren(
    ...quotes.map((q) => {
      const row = el('a', 'row');
      row.href = `#${encodeURIComponent(q.symbol)}`;
      row.dataset.symbol = q.symbol;
      const name = el('span', 'name');
      name.append(el('b', '', q.symbol), el('small', '', q.description ?? ''));
      const cells = { row, bid: el('span', 'num bid'), ask: el('span', 'num ask'), change: el('span', 'num change') };
      row.append(name, cells.bid, cells.ask, cells.change);
      rows.set(q.symbol, cells);
      write(cells, q);
      return row;
    }),
  );

  return {
    /** Shows a quote's new prices; `move` is the bid's change, which picks the flash colour. */
    update(q: Quote, move: number): void {
      const cells = rows.get(q.symbol);
      if (!cells) return;
      write(cells, q);
      if (move !== 0) {
        const colour = move > 0 ? 'rgba(38,166,154,0.28)' : 'rgba(239,83,80,0.28)';
        cells.bid.animate([{ backgroundColor: colour }, { backgroundColor: 'transparent' }], FLASH_MS);
      }
    },
    select(symbol: string): void {
      for (const [s, cells] of rows) cells.row.classList.toggle('selected', s === symbol);
    },
  };
}

function write(cells: Row, q: Quote): void {
  cells.bid.textContent = q.bid === null ? '–' : price(q.bid, q.digits);
  cells.ask.textContent = q.ask === null ? '–' : price(q.ask, q.digits);
  const change = dayChange(q);
  cells.change.textContent = percent(change);
  cells.change.className = `num change ${direction(change)}`;
}
