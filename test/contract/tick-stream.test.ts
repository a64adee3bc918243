import { createMemoryTickStream } from '../../src/stores/stream/memory-tick-stream.js';
import { tickStreamContract } from './tick-stream.contract.js';

tickStreamContract('in-process', async () => {
  const stream = createMemoryTickStream();
  return [stream, stream];
});
