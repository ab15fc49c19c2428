/** A mistake in how the command was called: printed as "Error: ..." and exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
