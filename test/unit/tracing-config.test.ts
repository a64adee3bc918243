import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../src/config.js';

describe('tracing configuration (OTEL_* variables)', () => {
  it('is off without an endpoint, whatever else is set', () => {
    expect(readConfig({ OTEL_SERVICE_NAME: 'gw', OTEL_TRACES_SAMPLER: 'always_on' }).tracing).toBeUndefined();
    expect(readConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }).tracing).toBeUndefined();
  });

  it('sends traces to <endpoint>/v1/traces, or to the traces endpoint as given', () => {
    expect(readConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing?.tracesUrl).toBe('http://collector:4318/v1/traces');
    const both = readConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:9999/traces' });
    expect(both.tracing?.tracesUrl).toBe('http://b:9999/traces');
  });

  it('is off with OTEL_SDK_DISABLED even when an endpoint is set', () => {
    expect(readConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_SDK_DISABLED: 'true' }).tracing).toBeUndefined();
  });

  it('reads headers and resource attributes as percent-encoded key=value lists, the traces headers winning', () => {
    const { tracing } = readConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc, x-tenant=one',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-tenant=two',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,service.namespace=trading',
      OTEL_SERVICE_NAME: 'gateway-eu',
    });
    expect(tracing?.headers).toEqual({ authorization: 'Bearer abc', 'x-tenant': 'two' });
    expect(tracing?.resourceAttributes).toEqual({ 'deployment.environment.name': 'prod', 'service.namespace': 'trading' });
    expect(tracing?.serviceName).toBe('gateway-eu');
    expect(tracing?.sampler).toEqual({ name: 'parentbased_always_on', ratio: 1 });
  });

  it('refuses what it cannot honour, saying which variable', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318' };
    expect(() => readConfig({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL/);
    expect(() => readConfig({ ...endpoint, OTEL_RESOURCE_ATTRIBUTES: 'no-equals-sign' })).toThrow(ConfigError);
    expect(() => readConfig({ ...endpoint, OTEL_EXPORTER_OTLP_HEADERS: 'k=%zz' })).toThrow(/OTEL_EXPORTER_OTLP_HEADERS/);
    expect(() => readConfig({ ...endpoint, OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
    expect(() => readConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});
