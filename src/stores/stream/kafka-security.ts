import type { SASLOptions } from '@platformatic/kafka';
import type { KafkaConfig } from 'kafkajs';

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/**
 * How the gateway's Kafka clients reach brokers that ask for it, as managed Kafka services do:
 * TLS (the brokers' certificates checked against `ca`, or the system's CAs without it), and
 * SASL with a user name and password. Both clients (kafkajs for the consumers and the admin,
 * `@platformatic/kafka` for the producer) are given the same.
 */
export interface KafkaSecurity {
  tls?: { ca?: string };
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
}

export function kafkajsSecurity({ tls, sasl }: KafkaSecurity): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  return {
    ssl: tls ? (tls.ca ? { ca: [tls.ca] } : true) : undefined,
    sasl: sasl && ({ mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as KafkaConfig['sasl']),
  };
}

export function platformaticSecurity({ tls, sasl }: KafkaSecurity): { tls?: { ca?: string }; sasl?: SASLOptions } {
  return {
    tls: tls && (tls.ca ? { ca: tls.ca } : {}),
    sasl: sasl && { mechanism: sasl.mechanism.toUpperCase() as SASLOptions['mechanism'], username: sasl.username, password: sasl.password },
  };
}
