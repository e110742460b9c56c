import { existsSync, mkdirSync, renameSync, rmdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, jsonPost } from '../support/cookie-jar';
import { closedPort } from '../support/free-port';
import { startTestApp, type TestApp } from '../support/stack';
import {
  clientAddressFactory,
  expectServiceUnavailable,
  latestCodeFor,
  outbox,
  requestEmailCode,
} from '../support/http';

/**
 * One-time codes cannot be delivered: the local outbox cannot be written, or the SMTP server
 * refuses connections. The user gets a 503 with Retry-After (never a 500, never a false "sent"),
 * and the next request after the fault is delivered.
 */

const nextAddress = clientAddressFactory(23);

const sendCode = (app: TestApp, email: string) => requestEmailCode(app.baseUrl, email, nextAddress());

/**
 * Runs `during` while the outbox cannot be written: a directory stands where outbox.jsonl goes
 * (the outbox written so far is set aside, and put back after).
 */
async function whileOutboxBlocked(app: TestApp, during: () => Promise<void>): Promise<void> {
  const file = path.join(app.dataDir, 'outbox.jsonl');
  const aside = `${file}.aside`;
  const existed = existsSync(file);
  if (existed) renameSync(file, aside);
  mkdirSync(file);
  try {
    await during();
  } finally {
    rmdirSync(file);
    if (existed) renameSync(aside, file);
  }
}

describe('the local outbox cannot be written (a directory where outbox.jsonl should be)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.stop());

  it('answers 503 with Retry-After and no internals; once the outbox is writable the next code is delivered', async () => {
    await whileOutboxBlocked(app, async () => {
      await expectServiceUnavailable(await sendCode(app, 'blocked@example.com'));
      expect(app.output()).toContain('outbox_write_failed');
      expect(app.output()).not.toContain('unhandled_error');
    });
    expect((await sendCode(app, 'blocked@example.com')).status).toBe(202);
    expect(latestCodeFor(app.dataDir, 'blocked@example.com')).toMatch(/^\d{6}$/);
  });
});

describe('sends that failed on our side', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.stop());

  it('six failed sends leave the 5-per-15-minutes limit per email untouched: five codes are then delivered, the sixth is a 429', async () => {
    const email = 'unlucky@example.com';
    await whileOutboxBlocked(app, async () => {
      for (let i = 0; i < 6; i++) await expectServiceUnavailable(await sendCode(app, email));
    });
    for (let i = 0; i < 5; i++) expect((await sendCode(app, email)).status).toBe(202);
    expect(outbox(app.dataDir).filter((message) => message.to === email)).toHaveLength(5);
    const limited = await sendCode(app, email);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('a failed send: the 503 asks for a new code, and the next one sent works', async () => {
    const email = 'earlier-code@example.com';
    expect((await sendCode(app, email)).status).toBe(202);
    await whileOutboxBlocked(app, async () => {
      await expectServiceUnavailable(await sendCode(app, email));
    });
    expect((await sendCode(app, email)).status).toBe(202);
    const verified = await new CookieJar().fetch(
      `${app.baseUrl}/api/auth/email-code/verify`,
      jsonPost({ email, code: latestCodeFor(app.dataDir, email) }),
    );
    expect(verified.status).toBe(200);
  });

  it('failed sends still count per client address: after 20 failures from one address, its next send is a 429', async () => {
    const from = nextAddress();
    await whileOutboxBlocked(app, async () => {
      for (let i = 0; i < 20; i++)
        await expectServiceUnavailable(await requestEmailCode(app.baseUrl, `failing-${i}@example.com`, from));
    });
    expect((await requestEmailCode(app.baseUrl, 'failing-20@example.com', from)).status).toBe(429);
    // Another address is not affected.
    expect((await requestEmailCode(app.baseUrl, 'failing-20@example.com', nextAddress())).status).toBe(202);
  });
});

describe('the code store cannot be written', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.stop());

  it('no code is emailed that was not stored: 503 with Retry-After, and the per-email limit is given back', async () => {
    const email = 'store-down@example.com';
    await app.dynamo.whileFailing(async () => {
      for (let i = 0; i < 6; i++) await expectServiceUnavailable(await sendCode(app, email));
      expect(outbox(app.dataDir).filter((message) => message.to === email)).toEqual([]);
      expect(app.output()).toContain('email_code_store_failed');
      expect(app.output()).not.toContain('unhandled_error');
    });
    // Six failures cost the email nothing: five codes are then delivered, the sixth is a 429.
    for (let i = 0; i < 5; i++) expect((await sendCode(app, email)).status).toBe(202);
    expect(outbox(app.dataDir).filter((message) => message.to === email)).toHaveLength(5);
    expect((await sendCode(app, email)).status).toBe(429);
    const verified = await new CookieJar().fetch(
      `${app.baseUrl}/api/auth/email-code/verify`,
      jsonPost({ email, code: latestCodeFor(app.dataDir, email) }),
    );
    expect(verified.status).toBe(200);
  });
});

/** Just enough SMTP to take one message at a time (no TLS, no auth), as a local relay would. */
function startSmtpSink(port: number): Promise<{ messages: string[]; close(): Promise<void> }> {
  const messages: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffered = '';
    let data: string | null = null;
    socket.write('220 sink.local ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      for (;;) {
        if (data !== null) {
          const end = buffered.indexOf('\r\n.\r\n');
          if (end < 0) return;
          messages.push(data + buffered.slice(0, end));
          buffered = buffered.slice(end + 5);
          data = null;
          socket.write('250 OK queued\r\n');
          continue;
        }
        const newline = buffered.indexOf('\r\n');
        if (newline < 0) return;
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250-sink.local\r\n250 8BITMIME\r\n');
        else if (verb === 'DATA') {
          data = '';
          socket.write('354 End data with <CR><LF>.<CR><LF>\r\n');
        } else if (verb === 'QUIT') socket.end('221 Bye\r\n');
        else socket.write('250 OK\r\n');
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () =>
      resolve({
        messages,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}

describe('the SMTP server refuses connections (SMTP_URL at a closed local port)', () => {
  let app: TestApp;
  let smtpPort: number;
  beforeAll(async () => {
    smtpPort = await closedPort();
    app = await startTestApp({ SMTP_URL: `smtp://127.0.0.1:${smtpPort}` });
  });
  afterAll(() => app?.stop());

  it('answers 503 with Retry-After and no internals, quickly; once the server is up the next code is delivered by SMTP', async () => {
    const startedAt = Date.now();
    await expectServiceUnavailable(await sendCode(app, 'smtp-down@example.com'));
    expect(Date.now() - startedAt).toBeLessThan(3_000);
    expect(app.output()).toContain('email_send_failed');
    expect(app.output()).not.toContain('unhandled_error');

    const sink = await startSmtpSink(smtpPort);
    try {
      expect((await sendCode(app, 'smtp-down@example.com')).status).toBe(202);
      expect(sink.messages).toHaveLength(1);
      expect(sink.messages[0]).toMatch(/^To: smtp-down@example\.com$/m);
      expect(sink.messages[0]).toMatch(/^Subject: Your sign-in code: \d{6}$/m);
    } finally {
      await sink.close();
    }
    // With SMTP configured, nothing goes to the local outbox.
    expect(outbox(app.dataDir)).toEqual([]);
  });
});
