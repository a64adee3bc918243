import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { storeSpan } from '../../src/telemetry/spans.js';

describe('store call spans', () => {
  const exporter = new InMemorySpanExporter();
  const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }).getTracer('test');
  const sizeIn = async (operation: string, args: unknown[]) => {
    exporter.reset();
    await storeSpan(tracer, 'ticks', 'chdb /data', operation)(args, async () => undefined);
    const [span] = exporter.getFinishedSpans();
    return { name: span!.name, size: span!.attributes['db.operation.batch.size'] };
  };

  it('gives a batch call the size of its list, and an insert of RowBinary parts the rows they hold', async () => {
    expect(await sizeIn('insert', [[{ symbol: 'A' }, { symbol: 'B' }]])).toEqual({ name: 'insert ticks', size: 2 });
    const parts = [{ rows: Buffer.alloc(0), firstSeq: 0, count: 500 }, { rows: Buffer.alloc(0), firstSeq: 1024, count: 7 }];
    expect(await sizeIn('insertRowBinary', [parts])).toEqual({ name: 'insertRowBinary ticks', size: 507 });
    expect(await sizeIn('latest', ['EURUSD'])).toEqual({ name: 'latest ticks', size: undefined });
  });
});
