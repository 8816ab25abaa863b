import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The practice's Twilio account, as the server under test is configured with it. */
export const TWILIO = {
  accountSid: 'AC00000000000000000000000000e2e0',
  authToken: 'e2e-twilio-auth-token-0123456789',
  from: '+61480000000',
};

/**
 * Twilio's `X-Twilio-Signature`: base64 of HMAC-SHA1, keyed with the auth token, over the URL
 * called followed by every POST parameter sorted by name, each as its name then its value.
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, name) => acc + name + params[name], url);
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** A message the fake accepted, as the tests read it back (`GET /_e2e/messages`). */
export type FakeMessage = { sid: string; to: string; from: string; body: string; statusCallback?: string };

/** A call the fake accepted (`GET /_e2e/calls`): Twilio would ring `to` and, once answered, post
 * to `url` for its TwiML. */
export type FakeCall = {
  sid: string;
  to: string;
  from: string;
  url: string;
  method: string;
  statusCallback?: string;
  statusCallbackEvents: string[];
};

export type FakeTwilio = { url: string; stop: () => Promise<void> };

/** A recording's audio, as the fake serves every one: an empty ID3v2 tag (so that it is
 * recognised as MP3 by its content) and half a second of silence, twenty MPEG-1 layer III
 * frames at 32 kbit/s, 44.1 kHz, mono, which a browser plays. */
export const FAKE_RECORDING: Buffer = (() => {
  const tag = Buffer.from([0x49, 0x44, 0x33, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
  const frames = Array.from({ length: 20 }, () => {
    const frame = Buffer.alloc(104);
    frame.set([0xff, 0xfb, 0x10, 0xc4]);
    return frame;
  });
  return Buffer.concat([tag, ...frames]);
})();

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Posts Twilio's delivery report for `message` to its StatusCallback, signed as Twilio signs. */
async function report(message: FakeMessage, status: 'sent' | 'delivered'): Promise<void> {
  if (!message.statusCallback) return;
  const params: Record<string, string> = {
    AccountSid: TWILIO.accountSid,
    ApiVersion: '2010-04-01',
    From: message.from,
    MessageSid: message.sid,
    MessageStatus: status,
    SmsSid: message.sid,
    SmsStatus: status,
    To: message.to,
  };
  try {
    await fetch(message.statusCallback, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Twilio-Signature': twilioSignature(TWILIO.authToken, message.statusCallback, params),
      },
      body: new URLSearchParams(params).toString(),
    });
  } catch {
    // The server is stopping; Twilio would retry, the tests are over.
  }
}

/**
 * A local server that plays Twilio's Messages API: it checks HTTP Basic auth with the account
 * SID and auth token, accepts the message with a fresh `SM…` SID (201), and then, as Twilio
 * does, reports the message `sent` after about 300 ms and `delivered` after about 1.5 s to its
 * StatusCallback. The messages it accepted can be read back at `GET /_e2e/messages`.
 *
 * It also plays the Voice API: `POST Calls.json` accepts a call with a fresh `CA…` SID (201,
 * `queued`) and keeps it for the tests (`GET /_e2e/calls`), which then play the call's webhooks
 * themselves; `GET Recordings/{RE…}.mp3` answers a short MP3 for any recording, and
 * `DELETE Recordings/{RE…}.json` deletes it (204; read back at `GET /_e2e/deleted-recordings`).
 */
export async function startFakeTwilio(): Promise<FakeTwilio> {
  const messages: FakeMessage[] = [];
  const calls: FakeCall[] = [];
  const deletedRecordings: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, f: () => Promise<void>) => {
    const t = setTimeout(() => {
      timers.delete(t);
      void f();
    }, ms);
    timers.add(t);
  };
  const expectedAuth = `Basic ${Buffer.from(`${TWILIO.accountSid}:${TWILIO.authToken}`).toString('base64')}`;
  const account = `/2010-04-01/Accounts/${TWILIO.accountSid}`;
  const messagesPath = `${account}/Messages.json`;
  const callsPath = `${account}/Calls.json`;
  const recordingPath = new RegExp(`^${account}/Recordings/(RE[0-9a-f]{32})\\.(mp3|json)$`);
  const notFound = (res: ServerResponse) =>
    json(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });

  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (req.method === 'GET' && path === '/_e2e/messages') {
      return json(res, 200, messages);
    }
    if (req.method === 'GET' && path === '/_e2e/calls') {
      return json(res, 200, calls);
    }
    if (req.method === 'GET' && path === '/_e2e/deleted-recordings') {
      return json(res, 200, deletedRecordings);
    }
    const recording = recordingPath.exec(path);
    const known =
      (req.method === 'POST' && (path === messagesPath || path === callsPath)) ||
      (recording !== null &&
        ((req.method === 'GET' && recording[2] === 'mp3') || (req.method === 'DELETE' && recording[2] === 'json')));
    if (!known) {
      return notFound(res);
    }
    if (req.headers.authorization !== expectedAuth) {
      return json(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
    }
    if (recording !== null) {
      const recordingSid = recording[1];
      if (deletedRecordings.includes(recordingSid)) {
        return notFound(res);
      }
      if (req.method === 'DELETE') {
        deletedRecordings.push(recordingSid);
        res.writeHead(204);
        return res.end();
      }
      res.writeHead(200, { 'Content-Type': 'audio/mpeg', 'Content-Length': String(FAKE_RECORDING.length) });
      return res.end(FAKE_RECORDING);
    }
    if (path === callsPath) {
      return placeCall(req, res);
    }
    const form = new URLSearchParams(await readBody(req));
    const to = form.get('To') ?? '';
    const body = form.get('Body') ?? '';
    const from = form.get('From') ?? '';
    if (!/^\+[1-9]\d{6,14}$/.test(to)) {
      return json(res, 400, { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, status: 400 });
    }
    if (!body) {
      return json(res, 400, { code: 21602, message: 'Message body is required.', status: 400 });
    }
    const message: FakeMessage = {
      sid: `SM${randomBytes(16).toString('hex')}`,
      to,
      from,
      body,
      statusCallback: form.get('StatusCallback') ?? undefined,
    };
    messages.push(message);
    json(res, 201, {
      sid: message.sid,
      account_sid: TWILIO.accountSid,
      to,
      from,
      body,
      status: 'queued',
      num_segments: '1',
      direction: 'outbound-api',
      api_version: '2010-04-01',
      date_created: new Date().toUTCString(),
    });
    later(300, () => report(message, 'sent'));
    later(1500, () => report(message, 'delivered'));
  });

  /** `POST Calls.json`: accepted as `queued`; the tests play what Twilio does next. */
  async function placeCall(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const to = form.get('To') ?? '';
    const from = form.get('From') ?? '';
    const url = form.get('Url') ?? '';
    if (!/^\+[1-9]\d{6,14}$/.test(to)) {
      return json(res, 400, { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, status: 400 });
    }
    if (from !== TWILIO.from) {
      return json(res, 400, { code: 21210, message: `The source phone number provided, ${from}, is not yet verified for your account.`, status: 400 });
    }
    if (!/^https?:\/\//.test(url)) {
      return json(res, 400, { code: 21205, message: 'Url parameter is required and must be a valid URL.', status: 400 });
    }
    const call: FakeCall = {
      sid: `CA${randomBytes(16).toString('hex')}`,
      to,
      from,
      url,
      method: form.get('Method') ?? 'POST',
      statusCallback: form.get('StatusCallback') ?? undefined,
      statusCallbackEvents: form.getAll('StatusCallbackEvent').flatMap((e) => e.split(' ')).filter(Boolean),
    };
    calls.push(call);
    json(res, 201, {
      sid: call.sid,
      status: 'queued',
      to,
      from,
      direction: 'outbound-api',
      account_sid: TWILIO.accountSid,
      api_version: '2010-04-01',
      start_time: null,
      duration: null,
      date_created: new Date().toUTCString(),
      uri: `${account}/Calls/${call.sid}.json`,
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The messages the fake Twilio accepted, oldest first. */
export async function sentMessages(): Promise<FakeMessage[]> {
  const response = await fetch(`${process.env.E2E_TWILIO_URL}/_e2e/messages`);
  return (await response.json()) as FakeMessage[];
}

/** The calls the fake Twilio accepted, oldest first. */
export async function placedCalls(): Promise<FakeCall[]> {
  const response = await fetch(`${process.env.E2E_TWILIO_URL}/_e2e/calls`);
  return (await response.json()) as FakeCall[];
}

/** The recordings deleted from the fake Twilio, oldest first. */
export async function deletedRecordings(): Promise<string[]> {
  const response = await fetch(`${process.env.E2E_TWILIO_URL}/_e2e/deleted-recordings`);
  return (await response.json()) as string[];
}
