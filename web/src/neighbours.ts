import type { Related, Similar } from './api.js';
import { el } from './format.js';

const KIND_LABEL: Record<Related['kind'], string> = {
  SHARES_CURRENCY: 'currency',
  SAME_SECTOR: 'sector',
  CORRELATED: 'correlated',
};

function link(symbol: string): HTMLAnchorElement {
  const a = el('a', 'symbol', symbol);
  a.href = `#${encodeURIComponent(symbol)}`;
  a.dataset.symbol = symbol;
  return a;
}

// A correlation says more than a shared currency: it counts twice when ordering the list.
const strength = (steps: Related[]) => steps.reduce((sum, s) => sum + (s.kind === 'CORRELATED' ? 2 : 1), 0);

/** Related instruments, one line each with every kind of step that reaches it, strongest first. */
export function renderRelated(root: HTMLElement, related: Related[]): void {
  const bySymbol = new Map<string, Related[]>();
  for (const r of related) if (r.instrument) bySymbol.set(r.instrument.symbol, [...(bySymbol.get(r.instrument.symbol) ?? []), r]);
  if (bySymbol.size === 0) return message(root, 'No related instruments.');
  const ordered = [...bySymbol].sort(([, a], [, b]) => strength(b) - strength(a)); // stable: the API's order within a strength
  root.replaceChildren(
    ...ordered.map(([symbol, steps]) => {
      const li = el('li');
      const chips = el('span', 'chips');
      for (const step of steps) {
        const weight = step.weight === null ? '' : ` ${step.weight.toFixed(2)}`;
        chips.append(el('span', `chip ${step.kind.toLowerCase()}`, KIND_LABEL[step.kind] + weight));
      }
      li.append(link(symbol), chips);
      return li;
    }),
  );
}

/** The nearest price patterns, with their cosine distance (0: moves alike, 2: moves opposite). */
export function renderSimilar(root: HTMLElement, found: Similar[], interval: string): void {
  const similar = found.filter((s): s is Similar & { instrument: { symbol: string } } => s.instrument !== null);
  if (similar.length === 0) return message(root, `No ${interval} price patterns stored yet (mutation refreshPatterns).`);
  root.replaceChildren(
    ...similar.map((s) => {
      const li = el('li');
      const bar = el('span', 'meter');
      bar.style.setProperty('--closeness', String(Math.max(0, 1 - s.distance / 2)));
      li.append(link(s.instrument.symbol), bar, el('span', 'num dim', s.distance.toFixed(3)));
      return li;
    }),
  );
}

export function message(root: HTMLElement, text: string): void {
  root.replaceChildren(el('li', 'empty', text));
}
