import './style.css';
import { INTERVALS, loadCandles, loadInstruments, loadRelated, loadSimilar, subscribeTicks, type Interval, type Tick } from './api.js';
import { candleChart } from './chart.js';
import { askForKey, explain, Refused, takeKeyFromFragment } from './credentials.js';
import { direction, el, percent, price } from './format.js';
import { dayChange, instrumentList, type Quote } from './instrument-list.js';
import { message, renderRelated, renderSimilar } from './neighbours.js';
import { statusStrip } from './status.js';

const byId = (id: string) => document.getElementById(id)!;
const DAY_MS = 86_400_000;
const INTERVAL_KEY = 'marketgraph.interval';

const status = statusStrip(byId('status'));
const chart = candleChart(byId('chart'));
const quotes = new Map<string, Quote>();
let list: ReturnType<typeof instrumentList> | null = null;
let dayStart = Math.floor(Date.now() / DAY_MS) * DAY_MS;

const stored = localStorage.getItem(INTERVAL_KEY);
let interval: Interval = INTERVALS.find((i) => i === stored) ?? 'M5';
let selected = '';
// Each chart load gets a number; an answer for an older selection is dropped. While the candles
// load, the selected instrument's ticks wait here, then extend what the query returned.
let load = 0;
let waiting: Tick[] | null = null;

/** The gateway refused this tab's key (or wants one): say so plainly and ask for another. */
function refused(refusal: Refused): void {
  status.connection('refused');
  if (!list) byId('instruments').replaceChildren(el('p', 'empty', 'Waiting for an API key.'));
  askForKey(explain(refusal));
}

function showQuote(): void {
  const q = quotes.get(selected);
  if (!q) return;
  byId('quote-symbol').textContent = q.symbol;
  byId('quote-description').textContent = q.description ?? '';
  byId('quote-bid').textContent = q.bid === null ? '–' : price(q.bid, q.digits);
  byId('quote-ask').textContent = q.ask === null ? '–' : price(q.ask, q.digits);
  const change = dayChange(q);
  const changeEl = byId('quote-change');
  changeEl.textContent = percent(change);
  changeEl.className = `num change ${direction(change)}`;
}

async function showChart(): Promise<void> {
  const mine = ++load;
  waiting = [];
  const chartEl = byId('chart');
  chartEl.setAttribute('aria-busy', 'true');
  const [candles, similar] = await Promise.allSettled([loadCandles(selected, interval), loadSimilar(selected, interval)]);
  if (mine !== load) return;
  chartEl.removeAttribute('aria-busy');
  const refusal = [candles, similar].find((r): r is PromiseRejectedResult => r.status === 'rejected' && r.reason instanceof Refused);
  if (refusal) {
    waiting = null;
    return refused(refusal.reason as Refused);
  }
  if (candles.status === 'fulfilled') {
    chart.show(selected, interval, quotes.get(selected)?.digits ?? 5, candles.value);
    for (const tick of waiting) chart.addTick(tick);
    byId('chart-note').textContent = candles.value.length === 0 ? 'No ticks yet for this instrument.' : 'Bid candles, UTC.';
  } else {
    byId('chart-note').textContent = `Candles unavailable: ${candles.reason instanceof Error ? candles.reason.message : 'error'}`;
  }
  waiting = null;
  const similarEl = byId('similar');
  if (similar.status === 'fulfilled') renderSimilar(similarEl, similar.value, interval);
  else message(similarEl, 'Vector store unavailable.');
}

async function showRelated(symbol: string): Promise<void> {
  const relatedEl = byId('related');
  try {
    const related = await loadRelated(symbol);
    if (symbol === selected) renderRelated(relatedEl, related);
  } catch (error) {
    if (error instanceof Refused) refused(error);
    else if (symbol === selected) message(relatedEl, 'Graph store unavailable.');
  }
}

function select(symbol: string): void {
  if (!quotes.has(symbol) || symbol === selected) return;
  selected = symbol;
  list?.select(symbol);
  document.title = `${symbol} · marketgraph`;
  showQuote();
  void showChart();
  void showRelated(symbol);
}

function onTick(tick: Tick): void {
  status.countTick();
  const q = quotes.get(tick.symbol);
  if (!q) return;
  const time = Date.parse(tick.time);
  if (time >= dayStart + DAY_MS) {
    // A new UTC day: every change starts again from that day's first tick.
    dayStart = Math.floor(time / DAY_MS) * DAY_MS;
    for (const other of quotes.values()) other.dayOpen = null;
  }
  const move = q.bid === null ? 0 : tick.bid - q.bid;
  q.bid = tick.bid;
  q.ask = tick.ask;
  q.dayOpen ??= tick.bid;
  list?.update(q, move);
  if (tick.symbol !== selected) return;
  showQuote();
  if (waiting) waiting.push(tick);
  else chart.addTick(tick);
}

function intervalPicker(): void {
  const root = byId('intervals');
  root.replaceChildren(
    ...INTERVALS.map((i) => {
      const button = el('button', i === interval ? 'active' : '', i);
      button.type = 'button';
      button.dataset.interval = i;
      button.addEventListener('click', () => {
        if (i === interval) return;
        interval = i;
        localStorage.setItem(INTERVAL_KEY, i);
        for (const b of root.querySelectorAll('button')) b.classList.toggle('active', b.dataset.interval === i);
        void showChart();
      });
      return button;
    }),
  );
}

const hashSymbol = () => decodeURIComponent(location.hash.slice(1));

async function start(): Promise<void> {
  takeKeyFromFragment();
  intervalPicker();
  let instruments;
  try {
    instruments = await loadInstruments(dayStart);
  } catch (error) {
    if (error instanceof Refused) return refused(error);
    byId('instruments').replaceChildren(el('p', 'empty', `Cannot load instruments: ${error instanceof Error ? error.message : 'error'}`));
    return;
  }
  if (instruments.length === 0) {
    byId('instruments').replaceChildren(el('p', 'empty', 'No instruments yet: start the gateway with SEED_DEMO_DATA=true, or upsertInstruments.'));
    return;
  }
  for (const i of instruments) {
    const tick = i.latestTick;
    quotes.set(i.symbol, { symbol: i.symbol, description: i.description, digits: i.digits, bid: tick?.bid ?? null, ask: tick?.ask ?? null, dayOpen: i.today?.[0]?.open ?? null });
  }
  list = instrumentList(byId('instruments'), [...quotes.values()]);
  window.addEventListener('hashchange', () => {
    // A link with a key opened in this tab: take the key and start again with it.
    if (location.hash.startsWith('#key=')) {
      takeKeyFromFragment();
      location.reload();
    } else select(hashSymbol());
  });
  select(quotes.has(hashSymbol()) ? hashSymbol() : instruments[0]!.symbol);
  subscribeTicks([...quotes.keys()], onTick, status.connection, refused);
}

void start();
