import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.js';
import { kafkajsSecurity, platformaticSecurity } from '../../src/stores/stream/kafka-security.js';

const dir = mkdtempSync(join(tmpdir(), 'marketgraph-kafka-security-'));
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, PEM);
const notPem = join(dir, 'not.pem');
writeFileSync(notPem, 'hello');
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const keyFile = join(dir, 'client.key');
writeFileSync(keyFile, KEY);
const kafka = (env: Record<string, string>) => readConfig({ KAFKA_BROKERS: 'b:9092', ...env }).kafka!.security;

describe('Kafka TLS (client certificates too) and SASL settings', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('turns TLS on with KAFKA_SSL or a CA file, whose certificates both clients are given', () => {
    expect(kafka({})).toEqual({ tls: undefined, sasl: undefined });
    expect(kafka({ KAFKA_SSL: 'true' })).toEqual({ tls: { ca: undefined }, sasl: undefined });
    const security = kafka({ KAFKA_SSL_CA_FILE: caFile, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' });
    expect(security).toEqual({ tls: { ca: PEM }, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } });
    expect(kafkajsSecurity(security)).toEqual({ ssl: { ca: PEM }, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } });
    expect(platformaticSecurity(security)).toEqual({ tls: { ca: PEM }, sasl: { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' } });
    expect(kafkajsSecurity({ tls: {} }).ssl).toBe(true);
    expect(platformaticSecurity({})).toEqual({ tls: undefined, sasl: undefined });
    // A client certificate and its key turn TLS on too, and go to both clients.
    const mutual = kafka({ KAFKA_SSL_CERT_FILE: caFile, KAFKA_SSL_KEY_FILE: keyFile });
    expect(mutual).toEqual({ tls: { cert: PEM, key: KEY }, sasl: undefined });
    expect(kafkajsSecurity(mutual).ssl).toEqual({ cert: PEM, key: KEY });
    expect(platformaticSecurity(mutual).tls).toEqual({ cert: PEM, key: KEY });
  });

  it('refuses to start with half a SASL setting, an unknown mechanism, or a CA file it cannot use, never echoing the password', () => {
    expect(() => kafka({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' })).toThrow(/KAFKA_SASL_MECHANISM=plain needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/);
    expect(() => kafka({ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'secret-value' })).toThrow(/need KAFKA_SASL_MECHANISM/);
    expect(() => kafka({ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'secret-value' })).not.toThrow(/secret-value/);
    expect(() => kafka({ KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(/KAFKA_SASL_MECHANISM/);
    expect(() => kafka({ KAFKA_SSL_CA_FILE: join(dir, 'missing.pem') })).toThrow(/KAFKA_SSL_CA_FILE: cannot read .*missing\.pem \(ENOENT\)/);
    expect(() => kafka({ KAFKA_SSL_CA_FILE: notPem })).toThrow(/holds no PEM certificate/);
    expect(() => kafka({ KAFKA_SSL_CERT_FILE: caFile })).toThrow(/KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together/);
    expect(() => kafka({ KAFKA_SSL_CERT_FILE: caFile, KAFKA_SSL_KEY_FILE: caFile })).toThrow(/KAFKA_SSL_KEY_FILE: .* holds no PEM private key/);
    expect(() => kafka({ KAFKA_SSL_CERT_FILE: caFile, KAFKA_SSL_KEY_FILE: caFile })).not.toThrow(/MIIB/);
  });
});
