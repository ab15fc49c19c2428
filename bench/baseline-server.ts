// The bare Fastify baseline: one route answering a small JSON body, nothing else.
import Fastify from "fastify";

const app = Fastify({ logger: false });
const body = { request_id: "x", data: { data: { username: "u", password: "p" } } };
app.get("/v1/*", () => body);
app.put("/v1/*", () => body);
const url = await app.listen({ host: "127.0.0.1", port: 0 });
console.log(`listening on ${url}`);
