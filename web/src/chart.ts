import { CandlestickSeries, ColorType, createChart, type CandlestickData, type UTCTimestamp } from 'lightweight-charts';
import { INTERVAL_MS, type Candle, type Interval, type Tick } from './api.js';

export const UP = '#26a69a';
export const DOWN = '#ef5350';

interface Shown {
  symbol: string;
  interval: Interval;
  last: CandlestickData<UTCTimestamp> | null;
}

/**
 * A candle chart of one instrument's bid, extended by live ticks the way the tick store buckets
 * them (`toStartOfInterval` in UTC: every interval divides a day, so flooring epoch time agrees).
 * The last candle is mirrored in `data-last-candle` on the container, for tests and curious readers.
 */
export function candleChart(container: HTMLElement) {
  const chart = createChart(container, {
    autoSize: true,
    layout: { background: { type: ColorType.Solid, color: 'transparent' }, textColor: '#8b95a7', fontFamily: 'inherit' },
    grid: { vertLines: { color: '#1b2230' }, horzLines: { color: '#1b2230' } },
    rightPriceScale: { borderColor: '#263041' },
    timeScale: { borderColor: '#263041', timeVisible: true, secondsVisible: false },
    crosshair: { vertLine: { color: '#3a4660' }, horzLine: { color: '#3a4660' } },
  });
  const series = chart.addSeries(CandlestickSeries, {
    upColor: UP,
    downColor: DOWN,
    wickUpColor: UP,
    wickDownColor: DOWN,
    borderVisible: false,
  });
  let shown: Shown | null = null;

  function publish(): void {
    if (!shown) return;
    container.dataset.symbol = shown.symbol;
    container.dataset.interval = shown.interval;
    const last = shown.last;
    container.dataset.lastCandle = last
      ? JSON.stringify({ time: new Date(last.time * 1000).toISOString(), open: last.open, high: last.high, low: last.low, close: last.close })
      : '';
  }

  return {
    show(symbol: string, interval: Interval, digits: number, candles: Candle[]): void {
      series.applyOptions({ priceFormat: { type: 'price', precision: digits, minMove: 10 ** -digits } });
      const data = candles.map((c) => ({ ...c, time: (Date.parse(c.time) / 1000) as UTCTimestamp }));
      series.setData(data);
      chart.timeScale().fitContent();
      if (data.length > 120) chart.timeScale().setVisibleLogicalRange({ from: data.length - 120, to: data.length + 2 });
      shown = { symbol, interval, last: data.at(-1) ?? null };
      publish();
    },

    /** Extends the last candle, or opens the next one; a tick older than the last candle is left out. */
    addTick(tick: Tick): void {
      if (!shown || tick.symbol !== shown.symbol) return;
      const ms = INTERVAL_MS[shown.interval];
      const time = ((Math.floor(Date.parse(tick.time) / ms) * ms) / 1000) as UTCTimestamp;
      const last = shown.last;
      if (last && time < last.time) return; // a late tick: lightweight-charts only updates the newest bar
      const bar =
        last && time === last.time
          ? { time, open: last.open, high: Math.max(last.high, tick.bid), low: Math.min(last.low, tick.bid), close: tick.bid }
          : { time, open: tick.bid, high: tick.bid, low: tick.bid, close: tick.bid };
      series.update(bar);
      shown.last = bar;
      publish();
    },
  };
}

export type CandleChart = ReturnType<typeof candleChart>;
