// Types for the untyped js-hcl-parser package (HashiCorp's HCL1 parser compiled to JavaScript).
// Results are typed `unknown` on purpose: callers must check what they got.
declare module "js-hcl-parser" {
  interface HclParser {
    /** A JSON string on success; on a syntax error, a plain message string (or a throw). */
    parse(text: string): unknown;
    stringify(json: string): unknown;
  }
  const hcl: HclParser;
  export default hcl;
}
