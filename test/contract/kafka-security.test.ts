import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { SASL_MECHANISMS, type KafkaSecurity } from '../../src/stores/stream/kafka-security.js';
import { createKafkaTickStream } from '../../src/stores/stream/kafka-tick-stream.js';
import type { DurableTickStream, TickRun } from '../../src/stores/stream/tick-stream.js';
import type { TickInput } from '../../src/stores/ticks/tick-store.js';
import { until } from '../helpers/until.js';

/**
 * The stream adapter against a broker that asks for SASL over TLS, as managed Kafka services do
 * (.ci/services.sh gives its Kafka such a listener: a certificate from a CA of its own, one user
 * with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512). Both Kafka clients (the producer, the consumers
 * and admin) connect with each mechanism; a wrong password and an unknown CA are refused.
 */
const { KAFKA_SECURE_BROKERS, KAFKA_SECURE_CA_FILE, KAFKA_SECURE_USER, KAFKA_SECURE_PASSWORD } = process.env;
const ready = Boolean(KAFKA_SECURE_BROKERS && KAFKA_SECURE_CA_FILE && KAFKA_SECURE_USER && KAFKA_SECURE_PASSWORD);
const { KAFKA_MTLS_BROKERS, KAFKA_MTLS_CERT_FILE, KAFKA_MTLS_KEY_FILE } = process.env;
const mtlsReady = ready && Boolean(KAFKA_MTLS_BROKERS && KAFKA_MTLS_CERT_FILE && KAFKA_MTLS_KEY_FILE);

describe.skipIf(!ready)(`Kafka over SASL and TLS${ready ? '' : ' (no .ci/services.sh Kafka with a secure listener)'}`, () => {
  const run = `${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
  const streams: DurableTickStream[] = [];
  const open = (security: KafkaSecurity, topic = `secure-${run}`, brokers = KAFKA_SECURE_BROKERS!) => {
    const stream = createKafkaTickStream({ brokers: brokers.split(','), topic, partitions: 1, replicationFactor: 1, clientId: `secure-${run}`, requestTimeoutMs: 5_000, sinkMinBytes: 1, sinkMaxWaitMs: 100, security });
    streams.push(stream);
    return stream;
  };
  const ca = () => readFileSync(KAFKA_SECURE_CA_FILE!, 'utf8');
  const user = (mechanism: (typeof SASL_MECHANISMS)[number], password = KAFKA_SECURE_PASSWORD!) => ({ mechanism, username: KAFKA_SECURE_USER!, password });
  const tick = (i: number): TickInput => ({ symbol: 'SECURE', time: Date.UTC(2026, 0, 5) + i, bid: 1, ask: 1.1, last: null, volume: null, flags: null });
  afterAll(async () => {
    for (const stream of streams) await stream.close().catch(() => undefined);
  });

  /** Starts `stream`, appends two ticks, and sees them on the live feed and through a consumer group. */
  const roundTrip = async (stream: DurableTickStream, name: string) => {
    await stream.start();
    const live: number[] = [];
    stream.follow((runs: readonly TickRun[]) => live.push(...runs.flatMap((r) => r.ticks().map((t) => t.time))));
    const appended = await stream.append([tick(1), tick(2)]);
    expect(appended.map((r) => r.count)).toEqual([2]);
    expect(await until(async () => live.length, (n) => n >= 2, 20_000)).toBe(2);
    const consumed: number[] = [];
    await stream.consume(`secure-sink-${name}-${run}`, async (runs) => void consumed.push(...runs.flatMap((r) => r.ticks().map((t) => t.time))));
    expect(await until(async () => consumed.length, (n) => n >= 2, 20_000)).toBe(2);
    expect(consumed).toEqual(live);
    await stream.ping();
  };

  it.each(SASL_MECHANISMS)('appends, follows and consumes with %s over TLS', async (mechanism) => {
    await roundTrip(open({ tls: { ca: ca() }, sasl: user(mechanism) }, `secure-${mechanism}-${run}`), mechanism);
  }, 60_000);

  it.skipIf(!mtlsReady)('appends, follows and consumes with a client certificate where the broker asks for one, and is refused without it', async () => {
    const read = (path: string) => readFileSync(path, 'utf8');
    await roundTrip(open({ tls: { ca: ca(), cert: read(KAFKA_MTLS_CERT_FILE!), key: read(KAFKA_MTLS_KEY_FILE!) } }, `secure-mtls-${run}`, KAFKA_MTLS_BROKERS!), 'mtls');
    // The same listener, no client certificate: the broker ends the handshake.
    await expect(open({ tls: { ca: ca() } }, `secure-mtls-none-${run}`, KAFKA_MTLS_BROKERS!).start()).rejects.toThrow();
  }, 60_000);

  it('is refused with a wrong password, and by a client that does not trust the CA', async () => {
    await expect(open({ tls: { ca: ca() }, sasl: user('scram-sha-256', 'not-the-password') }).start()).rejects.toThrow(/auth/i);
    await expect(open({ tls: {}, sasl: user('scram-sha-256') }).start()).rejects.toThrow(/certificate/i);
    // TLS alone, no SASL: the listener asks for both.
    await expect(open({ tls: { ca: ca() } }).start()).rejects.toThrow();
  }, 60_000);
});
