/**
 * User paths -> storage keys. A KV user path may hold anything a URL can carry ("a/./b", "..", spaces,
 * "%", emoji), but a storage view refuses "." and ".." segments, a leading "/" and NUL bytes. Each "/"
 * separated segment is therefore percent-encoded on its own (dots included, an empty segment as a lone
 * "%", which percent-encoding never produces), so the "/" hierarchy survives and LIST still reports
 * direct children that decode back to the user's names.
 * Invariant: encodeUserPath is injective and never yields a key the view would reject.
 */
import { BadRequest } from "../core/errors.js";

/** Segments made only of these need no encoding (no "." and no "%": those are encoded). */
const PLAIN_SEGMENT = /^[A-Za-z0-9_~-]+$/;

function encodeSegment(segment: string): string {
  if (PLAIN_SEGMENT.test(segment)) return segment;
  if (segment === "") return "%";
  try {
    return encodeURIComponent(segment).replace(/\./g, "%2E");
  } catch (cause) {
    // encodeURIComponent throws on lone UTF-16 surrogates, which no UTF-8 URL can carry.
    throw new BadRequest("invalid path: not valid Unicode", { cause });
  }
}

function decodeSegment(segment: string): string {
  return segment === "%" ? "" : decodeURIComponent(segment);
}

/** The storage key (below some prefix) of a user path. */
export function encodeUserPath(path: string): string {
  return path.split("/").map(encodeSegment).join("/");
}

/**
 * The storage prefix to LIST for a user folder: "" for the root, else the encoded folder with a
 * trailing "/". A trailing "/" on the user's folder is optional, as in Vault.
 */
export function encodeListPrefix(folder: string): string {
  const trimmed = folder.endsWith("/") ? folder.slice(0, -1) : folder;
  return trimmed === "" ? "" : `${encodeUserPath(trimmed)}/`;
}

/** Decodes LIST children ("name" or "folder/") back to user names, sorted. */
export function decodeListing(children: readonly string[]): string[] {
  return children
    .map((child) => (child.endsWith("/") ? `${decodeSegment(child.slice(0, -1))}/` : decodeSegment(child)))
    .sort();
}

/** Rejects the paths no secret can live at: the mount root and folder-like names. */
export function requireSecretPath(path: string): string {
  if (path === "") throw new BadRequest("missing path");
  if (path.endsWith("/")) throw new BadRequest("invalid path: a secret path must not end in '/'");
  return path;
}
