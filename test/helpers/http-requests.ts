// Raw HTTP/1.1 request texts shared by the LIST tests (src/http/list-*.test.ts).
export const host = "Host: 127.0.0.1\r\n";
export const list = (target: string) => `LIST ${target} HTTP/1.1\r\n${host}\r\n`;
export const get = (target: string) => `GET ${target} HTTP/1.1\r\n${host}\r\n`;

// The acceptance stream: GET + LIST + POST whose body holds "LIST " + LIST with a chunked body.
export const postBody = "LIST /v1/evil HTTP/1.1\r\n\r\n";
export const pipelined =
  get("/v1/a") +
  list("/v1/secret/metadata/") +
  `POST /v1/b HTTP/1.1\r\n${host}Content-Type: text/plain\r\nContent-Length: ${postBody.length}\r\n\r\n${postBody}` +
  `LIST /v1/c?x=1 HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\n` +
  `5;ext="a;b"\r\nLIST \r\n4\r\n/x\r\n\r\n0\r\nX-Trailer: LIST /t HTTP/1.1\r\n\r\n`;
