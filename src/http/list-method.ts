/**
 * The byte-level half of Vault's `LIST` method: a streaming rewriter for one connection's inbound
 * bytes that turns `LIST <target> HTTP/1.x` into `GET <target>?list=true HTTP/1.x` (`?list=true&...`
 * when the target has a query, see QUERY_*), which Vault itself treats as equivalent. Nothing else on
 * the wire changes. `list-bridge.ts` feeds it the rest of a connection once a LIST has arrived there.
 *
 * `ListMethodRewriter` is a small streaming HTTP/1.1 request framer: it follows request boundaries
 * (request line, headers, Content-Length or chunked body incl. extensions and trailers) so that a body
 * containing "LIST " is never touched and pipelined requests are found. It is deliberately stricter
 * than llhttp: on anything it does not fully understand (Upgrade, CONNECT, conflicting or odd framing
 * headers, bare CR/LF, obs-fold, versions other than 1.0/1.1) it stops rewriting for the rest of the
 * connection and lets llhttp see the raw bytes and decide. So the two cannot disagree about where a
 * request starts (list-bridge.test.ts checks this differentially against llhttp); the worst case is
 * that a LIST later on such a connection gets Node's usual 400. At most the 4 bytes of a possible
 * "LIST" are ever held back, so Node's header timeouts still see a request as soon as it starts.
 * Cost: a byte scan of request lines and headers (bodies are skipped by length), ~0.1-0.7 µs a request.
 */

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;
const SEMICOLON = 0x3b;
const QUESTION = 0x3f;
const HASH = 0x23;
const DEL = 0x7f;

const LIST = Buffer.from("LIST", "latin1");
const GET_SP = Buffer.from("GET ", "latin1");
// LIST /p -> GET /p?list=true; LIST /p?a=1 -> GET /p?list=true&a=1. We put list=true *first* rather
// than appending "&list=true": readers that take the first of repeated keys (Go's url.Values.Get as in
// Vault, our app's flatQuery) then cannot be talked out of a list by a client-sent "?list=false".
const QUERY_ONLY = Buffer.from("?list=true", "latin1");
const QUERY_FIRST = Buffer.from("list=true&", "latin1");
const CONNECT = Buffer.from("CONNECT", "latin1");
const VERSION = Buffer.from("HTTP/1.", "latin1");
const CHUNKED = Buffer.from("chunked", "latin1");
const EMPTY = Buffer.alloc(0);

/** RFC 9110 tchar: what a method and a header name may consist of. */
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") {
  TOKEN[c.charCodeAt(0)] = 1;
}
const HEX = new Int8Array(256).fill(-1);
for (let d = 0; d < 16; d++) {
  HEX["0123456789abcdef".charCodeAt(d)] = d;
  HEX["0123456789ABCDEF".charCodeAt(d)] = d;
}

/** Header names that change framing, lower-case; index = `Name` below. */
const NAMES = [
  EMPTY,
  Buffer.from("content-length"),
  Buffer.from("transfer-encoding"),
  Buffer.from("upgrade"),
];
const NAME_NONE = 0;
const NAME_CONTENT_LENGTH = 1;
const NAME_TRANSFER_ENCODING = 2;
const NAME_UPGRADE = 3;

/** Largest Content-Length / chunk size we frame ourselves (2^48); beyond that we pass through. */
const MAX_LENGTH = 2 ** 48;

// Framer states. Plain numbers: this loop runs for every request line and header byte.
const REQ_START = 0; // between messages: llhttp skips stray CR/LF here
const METHOD = 1;
const TARGET = 2;
const VERSION_STATE = 3; // "HTTP/1.0" or "HTTP/1.1" then CRLF
const HEADER_START = 4;
const HEADER_NAME = 5;
const HEADER_VALUE = 6;
const CL_VALUE = 7;
const TE_VALUE = 8;
const HEADER_LF = 9;
const HEADERS_END_LF = 10;
const BODY = 11;
const CHUNK_SIZE = 12;
const CHUNK_EXT = 13;
const CHUNK_SIZE_LF = 14;
const CHUNK_DATA = 15;
const CHUNK_DATA_CR = 16;
const CHUNK_DATA_LF = 17;
const TRAILER_START = 18;
const TRAILER_LINE = 19;
const TRAILER_LF = 20;
const TRAILERS_END_LF = 21;
const PASSTHROUGH = 22; // terminal: bytes go to llhttp untouched from here on

/**
 * Streaming rewriter for one connection's inbound byte stream: `LIST <target> HTTP/1.x` becomes
 * `GET <target>?list=true HTTP/1.x`; every other byte is forwarded as is. Feed it chunks in order with
 * `write`, then `end` at EOF. Exported for tests; production code uses `installListMethod`.
 */
export class ListMethodRewriter {
  private state = REQ_START;
  /** Bytes seen so far (for the runtime self-check). */
  bytesSeen = 0;

  // Output assembly for the chunk being processed.
  private input: Buffer = EMPTY;
  private parts: Buffer[] | null = null;
  /** Start of the not-yet-emitted input range, or -1 while holding back a possible "LIST". */
  private from = 0;
  /** How many bytes of "LIST" we are holding back (the method so far is a prefix of LIST). */
  private held = 0;

  // Request line.
  private methodLength = 0;
  private connectMatched = 0;
  private isList = false;
  private inserted = false;
  private targetLength = 0;
  private versionIndex = 0;

  // Headers.
  private name = NAME_NONE;
  private nameIndex = 0;
  private contentLength = -1;
  private chunked = false;
  private transferEncodingSeen = false;
  private valuePhase = 0; // 0 leading OWS, 1 in value, 2 trailing OWS
  private valueNumber = 0;
  private valueIndex = 0;

  // Bodies.
  private remaining = 0;
  private chunkDigits = 0;

  /** True once the rewriter has given up on this connection (or was told to). */
  get passthrough(): boolean {
    return this.state === PASSTHROUGH;
  }

  /** Stop rewriting for good; pending held-back bytes are returned by the next `write`/`end`. */
  abandon(): void {
    this.state = PASSTHROUGH;
  }

  /**
   * Rewrites one inbound chunk. Returns the chunk itself when nothing changed (the common case, no
   * copy), a new buffer when it did, and an empty buffer when everything is held back.
   */
  write(chunk: Buffer): Buffer {
    const n = chunk.length;
    this.bytesSeen += n;
    this.input = chunk;
    this.parts = null;
    this.from = this.held > 0 ? -1 : 0;
    if (this.state === PASSTHROUGH) {
      this.release(0);
      return this.finish();
    }
    let state = this.state;
    let i = 0;
    scan: while (i < n) {
      // `i < n`, so every chunk[i]! below is a byte.
      switch (state) {
        case REQ_START: {
          const b = chunk[i]!;
          if (b === CR || b === LF) {
            i++;
            continue;
          }
          this.methodLength = 0;
          this.connectMatched = 0;
          state = METHOD;
          continue; // the same byte starts the method
        }

        case METHOD: {
          const b = chunk[i]!;
          const m = this.methodLength;
          if (this.held > 0) {
            if (m < 4 && b === LIST[m]) {
              this.held++;
              this.methodLength++;
              i++;
              continue;
            }
            if (m === 4 && b === SP) {
              // "LIST " — the one thing this module exists for.
              this.parts ??= [];
              this.parts.push(GET_SP);
              this.from = i + 1;
              this.held = 0;
              this.isList = true;
              this.inserted = false;
              this.targetLength = 0;
              state = TARGET;
              i++;
              continue;
            }
            this.release(i); // "LIS", "LISTEN" ...: not ours after all
          } else if (m === 0 && b === LIST[0]) {
            this.cut(i);
            this.from = -1;
            this.held = 1;
            this.methodLength = 1;
            i++;
            continue;
          }
          if (b === SP) {
            if (m === 0 || (m === 7 && this.connectMatched === 7)) {
              state = PASSTHROUGH; // CONNECT: a tunnel follows the headers
              break scan;
            }
            this.isList = false;
            this.targetLength = 0;
            state = TARGET;
            i++;
            continue;
          }
          if (TOKEN[b] !== 1) {
            state = PASSTHROUGH;
            break scan;
          }
          if (this.connectMatched === m && m < 7 && b === CONNECT[m]) this.connectMatched++;
          this.methodLength++;
          i++;
          continue;
        }

        case TARGET: {
          if (this.isList) {
            while (i < n) {
              const b = chunk[i]!;
              if (b === SP) break;
              if (b < SP || b === DEL) {
                state = PASSTHROUGH;
                break scan;
              }
              if (!this.inserted) {
                if (b === QUESTION) this.insertQuery(i + 1, QUERY_FIRST);
                else if (b === HASH) this.insertQuery(i, QUERY_ONLY);
              }
              this.targetLength++;
              i++;
            }
            if (i === n) break;
            if (this.targetLength === 0) {
              state = PASSTHROUGH;
              break scan;
            }
            if (!this.inserted) this.insertQuery(i, QUERY_ONLY);
          } else {
            while (i < n) {
              const b = chunk[i]!;
              if (b === SP) break;
              if (b < SP || b === DEL) {
                state = PASSTHROUGH;
                break scan;
              }
              this.targetLength++;
              i++;
            }
            if (i === n) break;
            if (this.targetLength === 0) {
              state = PASSTHROUGH;
              break scan;
            }
          }
          this.versionIndex = 0;
          state = VERSION_STATE;
          i++;
          continue;
        }

        case VERSION_STATE: {
          // Fast path: the whole "HTTP/1.x\r\n" in this chunk (the usual case).
          if (this.versionIndex === 0 && i + 10 <= n) {
            const x = chunk[i + 7];
            if (
              chunk[i] !== 0x48 ||
              chunk[i + 1] !== 0x54 ||
              chunk[i + 2] !== 0x54 ||
              chunk[i + 3] !== 0x50 ||
              chunk[i + 4] !== 0x2f ||
              chunk[i + 5] !== 0x31 ||
              chunk[i + 6] !== 0x2e ||
              (x !== 0x30 && x !== 0x31) ||
              chunk[i + 8] !== CR ||
              chunk[i + 9] !== LF
            ) {
              state = PASSTHROUGH;
              break scan;
            }
            i += 10;
            this.contentLength = -1;
            this.chunked = false;
            this.transferEncodingSeen = false;
            state = HEADER_START;
            continue;
          }
          const b = chunk[i]!;
          const v = this.versionIndex;
          const ok =
            v < 7 ? b === VERSION[v] : v === 7 ? b === 0x30 || b === 0x31 : v === 8 ? b === CR : b === LF;
          if (!ok) {
            state = PASSTHROUGH;
            break scan;
          }
          i++;
          if (v < 9) {
            this.versionIndex++;
            continue;
          }
          this.contentLength = -1;
          this.chunked = false;
          this.transferEncodingSeen = false;
          state = HEADER_START;
          continue;
        }

        case HEADER_START: {
          const b = chunk[i]!;
          if (b === CR) {
            state = HEADERS_END_LF;
            i++;
            continue;
          }
          if (TOKEN[b] !== 1) {
            state = PASSTHROUGH; // obs-fold, bare LF, junk
            break scan;
          }
          const lower = b | 0x20;
          this.name =
            lower === 0x63
              ? NAME_CONTENT_LENGTH
              : lower === 0x74
                ? NAME_TRANSFER_ENCODING
                : lower === 0x75
                  ? NAME_UPGRADE
                  : NAME_NONE;
          this.nameIndex = 1;
          state = HEADER_NAME;
          i++;
          continue;
        }

        case HEADER_NAME: {
          const b = chunk[i]!;
          if (b === COLON) {
            i++;
            const name = this.name;
            if (name === NAME_NONE || this.nameIndex !== NAMES[name]!.length) {
              state = HEADER_VALUE;
              continue;
            }
            if (name === NAME_UPGRADE) {
              state = PASSTHROUGH; // whatever follows may not be HTTP/1.1 at all
              break scan;
            }
            if (name === NAME_CONTENT_LENGTH) {
              if (this.contentLength !== -1) {
                state = PASSTHROUGH; // duplicate Content-Length
                break scan;
              }
              this.valueNumber = 0;
              state = CL_VALUE;
            } else {
              if (this.transferEncodingSeen) {
                state = PASSTHROUGH; // several Transfer-Encoding headers
                break scan;
              }
              this.transferEncodingSeen = true;
              state = TE_VALUE;
            }
            this.valuePhase = 0;
            this.valueIndex = 0;
            continue;
          }
          // The rest of the name in a tight loop: no state dispatch per byte.
          let name = this.name;
          let index = this.nameIndex;
          const expected = NAMES[name]!;
          while (i < n) {
            const c = chunk[i]!;
            if (c === COLON) break;
            if (TOKEN[c] !== 1) {
              state = PASSTHROUGH;
              break scan;
            }
            if (name !== NAME_NONE) {
              if (index < expected.length && (c >= 0x41 && c <= 0x5a ? c | 0x20 : c) === expected[index])
                index++;
              else name = NAME_NONE;
            }
            i++;
          }
          this.name = name;
          this.nameIndex = index;
          continue;
        }

        case HEADER_VALUE: {
          while (i < n) {
            const b = chunk[i]!;
            if (b === CR) break;
            if (b === LF) {
              state = PASSTHROUGH;
              break scan;
            }
            i++;
          }
          if (i === n) break;
          state = HEADER_LF;
          i++;
          continue;
        }

        case CL_VALUE: {
          const b = chunk[i]!;
          i++;
          if (b === SP || b === HT) {
            if (this.valuePhase === 1) this.valuePhase = 2;
            continue;
          }
          if (b >= 0x30 && b <= 0x39 && this.valuePhase < 2) {
            this.valuePhase = 1;
            this.valueNumber = this.valueNumber * 10 + (b - 0x30);
            if (this.valueNumber <= MAX_LENGTH) continue;
          } else if (b === CR && this.valuePhase > 0) {
            this.contentLength = this.valueNumber;
            state = HEADER_LF;
            continue;
          }
          state = PASSTHROUGH;
          break scan;
        }

        case TE_VALUE: {
          const b = chunk[i]!;
          i++;
          if (b === SP || b === HT) {
            if (this.valuePhase === 1) {
              if (this.valueIndex !== CHUNKED.length) {
                state = PASSTHROUGH;
                break scan;
              }
              this.valuePhase = 2;
            }
            continue;
          }
          if (b === CR && this.valueIndex === CHUNKED.length) {
            this.chunked = true;
            state = HEADER_LF;
            continue;
          }
          if (
            this.valuePhase < 2 &&
            this.valueIndex < CHUNKED.length &&
            (b | 0x20) === CHUNKED[this.valueIndex]
          ) {
            this.valuePhase = 1;
            this.valueIndex++;
            continue;
          }
          state = PASSTHROUGH; // anything but exactly "chunked" (gzip, chunked; identity ...)
          break scan;
        }

        case HEADER_LF: {
          if (chunk[i] !== LF) {
            state = PASSTHROUGH;
            break scan;
          }
          state = HEADER_START;
          i++;
          continue;
        }

        case HEADERS_END_LF: {
          if (chunk[i] !== LF) {
            state = PASSTHROUGH;
            break scan;
          }
          i++;
          if (this.chunked) {
            if (this.contentLength !== -1) {
              state = PASSTHROUGH; // Content-Length with Transfer-Encoding
              break scan;
            }
            this.remaining = 0;
            this.chunkDigits = 0;
            state = CHUNK_SIZE;
          } else if (this.contentLength > 0) {
            this.remaining = this.contentLength;
            state = BODY;
          } else {
            state = REQ_START;
          }
          continue;
        }

        case BODY:
        case CHUNK_DATA: {
          const take = Math.min(this.remaining, n - i);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) state = state === BODY ? REQ_START : CHUNK_DATA_CR;
          continue;
        }

        case CHUNK_SIZE: {
          const b = chunk[i]!;
          const digit = HEX[b]!;
          i++;
          if (digit >= 0) {
            this.remaining = this.remaining * 16 + digit;
            this.chunkDigits++;
            if (this.remaining <= MAX_LENGTH) continue;
          } else if (this.chunkDigits > 0 && (b === CR || b === SEMICOLON)) {
            state = b === CR ? CHUNK_SIZE_LF : CHUNK_EXT;
            continue;
          }
          state = PASSTHROUGH; // no digits, spaces, overflow
          break scan;
        }

        case CHUNK_EXT:
        case TRAILER_LINE: {
          while (i < n) {
            const b = chunk[i]!;
            if (b === CR) break;
            if (b === LF) {
              state = PASSTHROUGH;
              break scan;
            }
            i++;
          }
          if (i === n) break;
          state = state === CHUNK_EXT ? CHUNK_SIZE_LF : TRAILER_LF;
          i++;
          continue;
        }

        case CHUNK_SIZE_LF: {
          if (chunk[i] !== LF) {
            state = PASSTHROUGH;
            break scan;
          }
          i++;
          state = this.remaining === 0 ? TRAILER_START : CHUNK_DATA;
          continue;
        }

        case CHUNK_DATA_CR:
        case CHUNK_DATA_LF: {
          if (chunk[i] !== (state === CHUNK_DATA_CR ? CR : LF)) {
            state = PASSTHROUGH;
            break scan;
          }
          i++;
          if (state === CHUNK_DATA_CR) {
            state = CHUNK_DATA_LF;
          } else {
            this.remaining = 0;
            this.chunkDigits = 0;
            state = CHUNK_SIZE;
          }
          continue;
        }

        case TRAILER_START: {
          const b = chunk[i]!;
          if (b === CR) {
            state = TRAILERS_END_LF;
            i++;
            continue;
          }
          if (TOKEN[b] !== 1) {
            state = PASSTHROUGH;
            break scan;
          }
          state = TRAILER_LINE;
          continue;
        }

        case TRAILER_LF:
        case TRAILERS_END_LF: {
          if (chunk[i] !== LF) {
            state = PASSTHROUGH;
            break scan;
          }
          i++;
          state = state === TRAILER_LF ? TRAILER_START : REQ_START;
          continue;
        }

        default:
          break scan; // PASSTHROUGH
      }
    }
    this.state = state;
    // Giving up while holding back part of a "LIST": those bytes go out unchanged, before the rest.
    if (state === PASSTHROUGH) this.release(i);
    return this.finish();
  }

  /** At EOF: whatever is still held back (a lone "LIS" ...), for llhttp to judge. */
  end(): Buffer {
    const tail = this.held > 0 ? LIST.subarray(0, this.held) : EMPTY;
    this.held = 0;
    this.state = PASSTHROUGH;
    return tail;
  }

  /** Emits the input bytes [from, i) and continues from i. */
  private cut(i: number): void {
    if (this.from >= 0 && i > this.from) (this.parts ??= []).push(this.input.subarray(this.from, i));
    this.from = i;
  }

  /** Stops holding back: the held prefix of "LIST" goes out, then input from i. */
  private release(i: number): void {
    if (this.held === 0) return;
    (this.parts ??= []).push(LIST.subarray(0, this.held));
    this.held = 0;
    this.from = i;
  }

  /** Inserts the list query at input position i. */
  private insertQuery(i: number, query: Buffer): void {
    this.cut(i);
    (this.parts ??= []).push(query);
    this.inserted = true;
  }

  private finish(): Buffer {
    const chunk = this.input;
    const parts = this.parts;
    const from = this.from;
    this.input = EMPTY;
    this.parts = null;
    if (parts === null) {
      if (from === 0) return chunk; // untouched: no copy
      return from < 0 ? EMPTY : chunk.subarray(from);
    }
    if (from >= 0 && from < chunk.length) parts.push(chunk.subarray(from));
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
}
