// Benchmarks a running `rwkv-cli serve` over HTTP (BENCHMARKS.md, issue 9). Node 18+, no packages.
//   node tools/bench-serve.mjs conversation URL MODEL [--turns 10] [--user-tokens 130] [--reply-tokens 32]
//     plays a conversation turn by turn, sending the whole history each time as clients do, and
//     reports time to first token and total time of the last turn with its cached_tokens.
//   node tools/bench-serve.mjs throughput URL MODEL [--clients 1] [--requests 40] [--reply-tokens 16]
//     short distinct prompts from N concurrent clients: requests per second.
//   node tools/bench-serve.mjs scaling URL MODEL [--clients 1,2,4,8] [--requests 4] [--reply-tokens 64]
//     for each client count N, N clients each send --requests requests one after another:
//     aggregate completion tokens/s and the mean time to first token (the batch's gain); then
//     the time to first token of one newcomer on the idle server and while the largest N run.
//     Start the server with --max-batch above the largest N: with every slot taken, the
//     newcomer waits for a reply to end before its prompt is read.
// URL is the server's base, e.g. http://127.0.0.1:8000/v1. --temperature T (default 0, greedy)
// samples every reply at T with the server's other defaults. Prints one JSON object.
const [mode, url, model, ...rest] = process.argv.slice(2);
const text = (name, fallback) => {
  const i = rest.indexOf('--' + name);
  return i < 0 ? fallback : rest[i + 1];
};
const option = (name, fallback) => Number(text(name, fallback));
const temperature = option('temperature', 0);

// One streamed chat request: time to the first text and to the end, the reply and the usage.
async function timedChat(messages, maxTokens) {
  const t0 = performance.now();
  const response = await fetch(url + '/chat/completions', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ model, messages, max_tokens: maxTokens, temperature, stream: true,
      stream_options: { include_usage: true } }),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
  let firstMs = null, text = '', usage = null, buffer = '';
  const decoder = new TextDecoder();
  for await (const bytes of response.body) {
    buffer += decoder.decode(bytes, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
      const event = JSON.parse(line.slice(6));
      if (event.usage) usage = event.usage;
      const piece = event.choices[0]?.delta?.content;
      if (piece) {
        firstMs ??= performance.now() - t0;
        text += piece;
      }
    }
  }
  return { firstMs, totalMs: performance.now() - t0, text, usage };
}

// A user message of about `tokens` World tokens (≈ 1 token per short word here).
function userMessage(turn, tokens) {
  const words = [];
  for (let i = 0; words.length < tokens; ++i)
    words.push(`note ${turn}.${i}: the river town keeps ${i * 7 + turn} boats and ${i + 3} bridges;`);
  return words.join(' ').split(' ').slice(0, tokens).join(' ') + ' Please summarise.';
}

async function conversation() {
  const turns = option('turns', 10), userTokens = option('user-tokens', 130), replyTokens = option('reply-tokens', 32);
  const messages = [];
  let last = null;
  for (let t = 1; t <= turns; ++t) {
    messages.push({ role: 'user', content: userMessage(t, userTokens) });
    last = await timedChat(messages, replyTokens);
    messages.push({ role: 'assistant', content: last.text });
  }
  return { turn: turns, promptTokens: last.usage.prompt_tokens, cachedTokens: last.usage.prompt_tokens_details.cached_tokens,
    completionTokens: last.usage.completion_tokens, firstTokenMs: Math.round(last.firstMs), totalMs: Math.round(last.totalMs) };
}

async function throughput() {
  const clients = option('clients', 1), requests = option('requests', 40), replyTokens = option('reply-tokens', 16);
  let next = 0, tokens = 0;
  const client = async () => {
    while (next < requests) {
      const i = next++;
      const r = await timedChat([{ role: 'user', content: `Hello! This is message ${i}.` }], replyTokens);
      tokens += r.usage.completion_tokens;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, client));
  const seconds = (performance.now() - t0) / 1000;
  return { clients, requests, seconds: +seconds.toFixed(2), requestsPerSecond: +(requests / seconds).toFixed(2),
    completionTokensPerSecond: +(tokens / seconds).toFixed(1) };
}

// N clients, each sending `requests` distinct prompts one after another.
async function load(clients, requests, replyTokens, tag) {
  let tokens = 0, firstMs = 0, replies = 0;
  const client = async (c) => {
    for (let i = 0; i < requests; ++i) {
      const r = await timedChat([{ role: 'user', content: `Tell me a long story about ${tag} ${c}.${i}.` }], replyTokens);
      tokens += r.usage.completion_tokens;
      firstMs += r.firstMs ?? r.totalMs;
      ++replies;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  const seconds = (performance.now() - t0) / 1000;
  return { clients, requests: replies, seconds: +seconds.toFixed(2), completionTokens: tokens,
    completionTokensPerSecond: +(tokens / seconds).toFixed(1), meanFirstTokenMs: Math.round(firstMs / replies) };
}

async function scaling() {
  const counts = text('clients', '1,2,4,8').split(',').map(Number);
  const requests = option('requests', 4), replyTokens = option('reply-tokens', 64);
  const rows = [];
  for (const n of counts) rows.push(await load(n, requests, replyTokens, `run ${n}`));
  for (const row of rows) row.speedup = +(row.completionTokensPerSecond / rows[0].completionTokensPerSecond).toFixed(2);
  // Two different greetings of one length, so neither resumes from the other's cached prompt.
  const newcomer = async (name) =>
    Math.round((await timedChat([{ role: 'user', content: `Hello! ${name} just arrived.` }], 8)).firstMs);
  const idleFirstTokenMs = await newcomer('Ada');
  const busy = load(Math.max(...counts), requests, replyTokens, 'background');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const loadedFirstTokenMs = await newcomer('Bob');
  await busy;
  return { rows, newcomer: { idleFirstTokenMs, loadedFirstTokenMs, whileClients: Math.max(...counts) } };
}

const modes = { conversation, throughput, scaling };
if (!modes[mode]) throw new Error(`unknown mode '${mode}' (conversation, throughput, scaling)`);
const result = await modes[mode]();
process.stdout.write(JSON.stringify(result) + '\n');
