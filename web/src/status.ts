import { loadReadiness, type Connection } from './api.js';
import { el } from './format.js';

const READINESS_EVERY_MS = 5_000;
const RATE_WINDOW_S = 5; // ticks/s is averaged over the last 5 whole seconds

/**
 * The status strip: each store's readiness from /readyz, the subscription's state, and ticks per
 * second arriving on it over all instruments. `data-ticks-received` counts every tick seen.
 */
export function statusStrip(root: HTMLElement) {
  const stores = el('span', 'stores');
  const live = el('span', 'live', 'connecting');
  const rate = el('span', 'rate num', '0.0 ticks/s');
  root.replaceChildren(stores, live, rate);

  let received = 0;
  const perSecond = new Map<number, number>(); // whole second → ticks in it

  async function refreshReadiness(): Promise<void> {
    try {
      const readiness = await loadReadiness();
      stores.replaceChildren(
        ...readiness.stores.map((s) => {
          const item = el('span', `store ${s.status}`, s.store);
          item.title = `${s.store}: ${s.engine}, ${s.status}, ping ${s.latencyMs} ms`;
          return item;
        }),
      );
    } catch {
      stores.replaceChildren(el('span', 'store down', 'gateway unreachable'));
    }
  }

  function showRate(): void {
    const now = Math.floor(Date.now() / 1000);
    let sum = 0;
    for (const [second, n] of perSecond) {
      if (second < now - RATE_WINDOW_S) perSecond.delete(second);
      else if (second < now) sum += n;
    }
    rate.textContent = `${(sum / RATE_WINDOW_S).toFixed(1)} ticks/s`;
  }

  void refreshReadiness();
  setInterval(refreshReadiness, READINESS_EVERY_MS);
  setInterval(showRate, 1_000);

  return {
    countTick(): void {
      received += 1;
      root.dataset.ticksReceived = String(received);
      const second = Math.floor(Date.now() / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    },
    connection(state: Connection): void {
      live.textContent = state;
      live.className = `live ${state}`;
      root.dataset.connection = state;
    },
  };
}
