import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake speech-to-text service says every recording contains. */
export const FAKE_TRANSCRIPT = 'Hello, this is the practice calling about your results. They are normal.';

/** The key the tests set the service up with. */
export const SPEECH_KEY = 'e2e-speech-key-0123456789';

/** A transcription the fake was asked for (`GET /_e2e/transcriptions`). */
export type FakeTranscription = { model: string; filename: string; mediaType: string; bytes: number; mp3: boolean };

export type FakeSpeech = { url: string; stop: () => Promise<void> };

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The parts of a `multipart/form-data` body, by name. */
function parts(body: Buffer, contentType: string): Map<string, { headers: string; data: Buffer }> {
  const out = new Map<string, { headers: string; data: Buffer }>();
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) return out;
  const delimiter = Buffer.from(`--${boundary}`);
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    if (split !== -1) {
      const headers = part.subarray(0, split).toString('utf8');
      const name = /name="([^"]*)"/.exec(headers)?.[1];
      if (name) out.set(name, { headers, data: part.subarray(split + 4) });
    }
    start = next;
  }
  return out;
}

/**
 * A local OpenAI-compatible speech-to-text service: `POST /v1/audio/transcriptions` (multipart
 * with `file` and `model`, bearer `SPEECH_KEY`) answers `{"text": FAKE_TRANSCRIPT}`, and
 * `GET /v1/models` lists one model, as a connection check reads it. What it was asked to
 * transcribe can be read back at `GET /_e2e/transcriptions`.
 */
export async function startFakeSpeech(): Promise<FakeSpeech> {
  const transcriptions: FakeTranscription[] = [];
  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (req.method === 'GET' && path === '/_e2e/transcriptions') {
      return json(res, 200, transcriptions);
    }
    const known = (req.method === 'POST' && path === '/v1/audio/transcriptions') || (req.method === 'GET' && path === '/v1/models');
    if (!known) {
      return json(res, 404, { error: { message: `Unknown request to ${path}`, type: 'invalid_request_error' } });
    }
    if (req.headers.authorization !== `Bearer ${SPEECH_KEY}`) {
      return json(res, 401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error' } });
    }
    if (req.method === 'GET') {
      return json(res, 200, { object: 'list', data: [{ id: 'whisper-1', object: 'model' }] });
    }
    const form = parts(await readBody(req), req.headers['content-type'] ?? '');
    const file = form.get('file');
    const model = form.get('model')?.data.toString('utf8') ?? '';
    if (!file || !model) {
      return json(res, 400, { error: { message: 'A file and a model are required.', type: 'invalid_request_error' } });
    }
    transcriptions.push({
      model,
      filename: /filename="([^"]*)"/.exec(file.headers)?.[1] ?? '',
      mediaType: /content-type:\s*([^\r\n]+)/i.exec(file.headers)?.[1] ?? '',
      bytes: file.data.length,
      mp3: file.data.subarray(0, 3).toString('latin1') === 'ID3',
    });
    json(res, 200, { text: FAKE_TRANSCRIPT });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** What the fake speech-to-text service was asked to transcribe, oldest first. */
export async function transcriptions(): Promise<FakeTranscription[]> {
  const response = await fetch(`${process.env.E2E_SPEECH_URL}/_e2e/transcriptions`);
  return (await response.json()) as FakeTranscription[];
}
