// The floor with storage for `cargo xtask bench`: what a submit cannot do without. It reads
// the body, makes one D1 insert (after the same bench-only BENCH_STORAGE_RTT_MS wait the
// real Worker makes before each storage trip) and answers 202. The real Worker's submit
// against this one is the cost of everything but that one trip.
let table = null;

export default {
  async fetch(request, env) {
    const body = await request.text();
    // Once per isolate, not per request: the table the inserts go to.
    table ??= env.DB.exec(
      "CREATE TABLE IF NOT EXISTS inquiries (id INTEGER PRIMARY KEY, body TEXT NOT NULL, at_ms INTEGER NOT NULL)",
    );
    await table;
    const rtt = Number(env.BENCH_STORAGE_RTT_MS || 0);
    if (rtt > 0) {
      await new Promise((resolve) => setTimeout(resolve, rtt));
    }
    await env.DB.prepare("INSERT INTO inquiries (body, at_ms) VALUES (?1, ?2)")
      .bind(body, Date.now())
      .run();
    return new Response('{"stored":true}', {
      status: 202,
      headers: { "content-type": "application/json" },
    });
  },
};
