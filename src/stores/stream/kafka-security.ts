import type { SASLOptions } from '@platformatic/kafka';
import type { KafkaConfig } from 'kafkajs';

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/**
 * How the gateway's Kafka clients reach brokers that ask for it, as managed Kafka services do:
 * TLS (the brokers' certificates checked against `ca`, or the system's CAs without it; with
 * `cert` and `key`, a client certificate for brokers that ask for one), and SASL with a user
 * name and password. Both clients (kafkajs for the consumers and the admin,
 * `@platformatic/kafka` for the producer) are given the same.
 */
export interface KafkaSecurity {
  tls?: KafkaTls;
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
}

export interface KafkaTls {
  ca?: string;
  /** A client certificate (PEM) and its private key, both or neither. */
  cert?: string;
  key?: string;
}

/** The TLS options both clients take (node's tls.connect), only those set. */
function tlsOptions({ ca, cert, key }: KafkaTls): { ca?: string; cert?: string; key?: string } {
  return { ...(ca && { ca }), ...(cert && key && { cert, key }) };
}

export function kafkajsSecurity({ tls, sasl }: KafkaSecurity): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const options = tls && tlsOptions(tls);
  return {
    ssl: options ? (Object.keys(options).length > 0 ? options : true) : undefined,
    sasl: sasl as KafkaConfig['sasl'], // kafkajs names the mechanisms as the settings do
  };
}

export function platformaticSecurity({ tls, sasl }: KafkaSecurity): { tls?: KafkaTls; sasl?: SASLOptions } {
  return {
    tls: tls && tlsOptions(tls),
    sasl: sasl && { mechanism: sasl.mechanism.toUpperCase() as SASLOptions['mechanism'], username: sasl.username, password: sasl.password },
  };
}
