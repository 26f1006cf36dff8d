import { fileURLToPath } from 'node:url';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { decodeEntry, encodeEntry } from '../../plugins/redis/entry.js';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { from, lastValueFrom, toArray } from 'rxjs';
import { Payload, Request, Stoq, traceCarrierOf, withTraceCarrier } from 'rxstoq';
import { toRequests } from 'rxstoq/operators';

const engineDir = fileURLToPath(new URL('../fixtures/engine-plugins/', import.meta.url));
const exporter = new InMemorySpanExporter();
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';
const traceparent = `00-${TRACE_ID}-${PARENT_SPAN}-01`;

beforeAll(() => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(() => {
  trace.disable();
  propagation.disable();
  context.disable();
});
beforeEach(() => exporter.reset());

const spans = () => exporter.getFinishedSpans();
const named = (prefix: string) => spans().filter((s) => s.name.startsWith(prefix));
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

describe('OpenTelemetry tracing', () => {
  it('makes a span per request, per payload and per plugin call, under the caller’s traceparent', async () => {
    const s = new Stoq({ pluginDirList: [engineDir], logLevel: 'silent', alwaysDispatch: ['hash'], pluginOpts: { extractor: { count: 2 } } });
    const response = await s.scan('root content', { addStartDispatch: ['extractor'], traceCarrier: { traceparent } });
    await s.close();

    const [request] = named('stoq.request');
    expect(named('stoq.request')).toHaveLength(1);
    expect(request!.spanContext().traceId).toBe(TRACE_ID);
    expect(parentOf(request!)).toBe(PARENT_SPAN);
    expect(request!.attributes).toMatchObject({ 'stoq.scan_id': response.scan_id, 'stoq.payloads': 3, 'stoq.errors': 0 });

    const payloads = named('stoq.payload');
    expect(payloads.map((p) => p.attributes['stoq.payload_id']).sort()).toEqual(response.results.map((r) => r.payload_id).sort());
    for (const p of payloads) {
      expect(parentOf(p)).toBe(request!.spanContext().spanId);
      expect(p.spanContext().traceId).toBe(TRACE_ID);
    }
    const root = payloads.find((p) => p.attributes['stoq.depth'] === 0)!;
    expect(root.attributes['stoq.sha256']).toBe(response.results[0]!.workers['hash'] && (response.results[0]!.workers['hash'] as { sha256: string }).sha256);

    const calls = named('stoq.plugin');
    expect(calls.map((c) => c.attributes['stoq.plugin']).sort()).toEqual(['extractor', 'hash', 'hash', 'hash']);
    for (const c of calls) {
      const payload = payloads.find((p) => p.attributes['stoq.payload_id'] === c.attributes['stoq.payload_id']);
      expect(parentOf(c)).toBe(payload!.spanContext().spanId);
      expect(c.attributes['stoq.role']).toBe('worker');
    }
  });

  it('marks a failed plugin call with its error code', async () => {
    const s = new Stoq({ pluginDirList: [engineDir], logLevel: 'silent', pluginOpts: { sleeper: { timeout: 0.05 } } });
    const response = await s.scan('x', { addStartDispatch: ['sleeper'] });
    await s.close();
    expect(response.errors.map((e) => e.code)).toEqual(['PLUGIN_TIMEOUT']);
    const [call] = named('stoq.plugin sleeper');
    expect(call!.attributes['stoq.error_code']).toBe('PLUGIN_TIMEOUT');
    expect(call!.status.code).toBe(2);
  });

  it('continues the trace a provider item arrived with (a queue entry’s traceparent)', async () => {
    const s = new Stoq({ logLevel: 'silent', alwaysDispatch: ['hash'] });
    const request = withTraceCarrier(new Request({ payloads: [new Payload('queued')] }), { traceparent });
    await s.scanRequest(request);
    await s.close();
    const [span] = named('stoq.request');
    expect(span!.spanContext().traceId).toBe(TRACE_ID);
    expect(parentOf(span!)).toBe(PARENT_SPAN);
  });

  it('toRequests hands an item’s trace context on to the request made of it', async () => {
    const s = new Stoq({ logLevel: 'silent' });
    const [request] = await lastValueFrom(from([withTraceCarrier(new Payload('item'), { traceparent })]).pipe(toRequests(s.engine), toArray()));
    expect(traceCarrierOf(request)).toEqual({ traceparent });
    await s.close();
  });

  it('carries traceparent through a Redis task entry: the submitter’s active span is written, the consumer’s scan joins it', () => {
    const submitter = trace.getTracer('test').startSpan('submit');
    const fields = context.with(trace.setSpan(context.active(), submitter), () => encodeEntry({ content: Buffer.from('x') }));
    submitter.end();
    const read = new Map<string, Buffer>();
    for (let i = 0; i < fields.length; i += 2) read.set(String(fields[i]), Buffer.from(fields[i + 1]!));
    const decoded = decodeEntry(read);
    expect(decoded.ok && decoded.entry.trace?.['traceparent']).toBe(`00-${submitter.spanContext().traceId}-${submitter.spanContext().spanId}-01`);
    expect(encodeEntry({ content: Buffer.from('x') }).map(String)).not.toContain('traceparent');
    read.set('traceparent', Buffer.from('not-a-traceparent'));
    expect(decodeEntry(read)).toEqual({ ok: false, error: 'field "traceparent" is not a W3C traceparent: "not-a-traceparent"' });
  });
});
