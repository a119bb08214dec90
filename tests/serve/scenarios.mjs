// Scenarios test_serve runs against a live `rwkv-cli serve`, through the official openai
// package (and raw fetch for bad input). Usage: node scenarios.mjs NAME; the environment gives
// RWKV_OPENAI_MODULE (path of the package's index.mjs), RWKV_BASE_URL (http://127.0.0.1:PORT/v1),
// RWKV_MODEL and optionally RWKV_API_KEY. Prints one JSON object; test_serve checks it.
const { default: OpenAI } = await import(process.env.RWKV_OPENAI_MODULE);
const baseURL = process.env.RWKV_BASE_URL;
const model = process.env.RWKV_MODEL;
const client = new OpenAI({ baseURL, apiKey: process.env.RWKV_API_KEY ?? 'unused', maxRetries: 0 });

const hello = [{ role: 'user', content: 'Hello!' }];

async function chat(messages, extra = {}) {
  const r = await client.chat.completions.create({ model, messages, temperature: 0, ...extra });
  return { text: r.choices[0].message.content, finish: r.choices[0].finish_reason, usage: r.usage };
}

async function streamChat(messages, extra = {}) {
  const stream = await client.chat.completions.create({
    model, messages, temperature: 0, stream: true, stream_options: { include_usage: true }, ...extra });
  let text = '', chunks = 0, finish = null, usage = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    if (choice.delta.content) { text += choice.delta.content; ++chunks; }
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  return { text, chunks, finish, usage };
}

// A conversation of `turns` user messages, each sent with the replies so far.
async function conversation(questions) {
  const messages = [];
  const turns = [];
  for (const q of questions) {
    messages.push({ role: 'user', content: q });
    const r = await chat(messages, { max_tokens: 60 });
    messages.push({ role: 'assistant', content: r.text });
    turns.push(r);
  }
  return turns;
}

async function raw(path, init) {
  const r = await fetch(baseURL + path, init);
  const text = await r.text();
  let body = null;
  try { body = JSON.parse(text); } catch { body = text; }
  return { status: r.status, body };
}

const post = (body) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
const chatBody = (extra) => JSON.stringify({ model, messages: hello, temperature: 0, ...extra });
const questions = ['Hello!', 'What is 7 + 5?', 'Thank you!'];

const scenarios = {
  async models() {
    const list = await client.models.list();
    return { ids: list.data.map((m) => m.id) };
  },
  async chat() {
    return {
      whole: await chat(hello),
      streamed: await streamChat(hello),
      limited: await chat(hello, { max_completion_tokens: 3 }),
      stopString: await chat(hello, { stop: '!' }),
    };
  },
  async completions() {
    const prompt = 'The RWKV-7 Goose architecture is a recurrent network';
    const stopped = await client.completions.create({ model, prompt, max_tokens: 40, temperature: 0, stop: ['parallel'] });
    const limited = await client.completions.create({ model, prompt, max_tokens: 3, temperature: 0 });
    return {
      stopped: { text: stopped.choices[0].text, finish: stopped.choices[0].finish_reason },
      limited: { text: limited.choices[0].text, finish: limited.choices[0].finish_reason, usage: limited.usage },
    };
  },
  async multiturn() {
    return { turns: await conversation(questions) };
  },
  // A chat request with the messages in RWKV_MESSAGES (JSON).
  async replay() {
    return chat(JSON.parse(process.env.RWKV_MESSAGES), { max_tokens: 60 });
  },
  async concurrent() {
    const prompts = ['Hello!', 'What is 7 + 5?', 'Tell me about the RWKV-7 Goose architecture.', 'Thank you!',
      'What is the capital of France?', 'Write a short poem about rain.'];
    const one = (p) => chat([{ role: 'user', content: p }], { max_tokens: 40 }).then((r) => r.text);
    const sequential = [];
    for (const p of prompts) sequential.push(await one(p));
    const parallel = await Promise.all(prompts.map(one));
    return { sequential, parallel };
  },
  async abort() {
    const stream = await client.completions.create({
      model, prompt: 'Once upon a time', max_tokens: 4000, temperature: 1, seed: 7, stream: true });
    let chunks = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.text && ++chunks === 3) break;   // leaving the loop aborts the request
    }
    return { chunks, after: await chat(hello) };
  },
  async bad() {
    const cases = {
      malformed: await raw('/chat/completions', post('{"model": ')),
      notObject: await raw('/chat/completions', post('[1, 2]')),
      noMessages: await raw('/chat/completions', post(JSON.stringify({ model }))),
      noPrompt: await raw('/completions', post(JSON.stringify({ model }))),
      wrongType: await raw('/chat/completions', post(chatBody({ temperature: 'hot' }))),
      badTopP: await raw('/chat/completions', post(chatBody({ top_p: 2 }))),
      badContent: await raw('/chat/completions', post(JSON.stringify({ model, messages: [{ role: 'user', content: 5 }] }))),
      badRole: await raw('/chat/completions', post(JSON.stringify({ model, messages: [{ role: 'wizard', content: 'hi' }] }))),
      unknownModel: await raw('/chat/completions', post(JSON.stringify({ model: 'gpt-4o', messages: hello }))),
      negativeMax: await raw('/chat/completions', post(chatBody({ max_tokens: -1 }))),
      hugeMax: await raw('/chat/completions', post(chatBody({ max_tokens: 1e12 }))),
      tooManyChoices: await raw('/chat/completions', post(chatBody({ n: 17 }))),
      tooLarge: await raw('/chat/completions', post(chatBody({ padding: 'x'.repeat(9 * 1024 * 1024) }))),
      unknownRoute: await raw('/engines', { method: 'GET' }),
    };
    const withoutModel = await raw('/chat/completions', post(JSON.stringify({ messages: hello, temperature: 0 })));
    return { cases, withoutModel, after: await chat(hello) };
  },
  // What a browser page on another origin does: a preflight, then the request.
  async cors() {
    const origin = 'http://app.example';
    const headers = (r) => ({ status: r.status, allowOrigin: r.headers.get('access-control-allow-origin'),
      allowHeaders: r.headers.get('access-control-allow-headers') });
    const preflight = await fetch(baseURL + '/chat/completions', { method: 'OPTIONS', headers: {
      Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' } });
    const auth = process.env.RWKV_API_KEY ? { Authorization: 'Bearer ' + process.env.RWKV_API_KEY } : {};
    const post = await fetch(baseURL + '/chat/completions', { method: 'POST',
      headers: { Origin: origin, 'Content-Type': 'application/json', ...auth }, body: chatBody({ max_tokens: 2 }) });
    await post.text();
    const anonymous = await fetch(baseURL + '/models', { headers: { Origin: origin } });
    return { preflight: headers(preflight), post: headers(post), anonymous: headers(anonymous) };
  },
  async apiKey() {
    const anonymous = await raw('/models', { method: 'GET' });
    const wrong = await raw('/models', { method: 'GET', headers: { Authorization: 'Bearer wrong' } });
    const models = await client.models.list();
    return { anonymous, wrong, ids: models.data.map((m) => m.id), reply: await chat(hello) };
  },
};

const result = await scenarios[process.argv[2]]();
process.stdout.write(JSON.stringify(result) + '\n');
