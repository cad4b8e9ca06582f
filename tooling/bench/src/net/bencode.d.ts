// The `bencode` package (v4) ships no types; this is the part the benchmarks use.
declare module 'bencode' {
  const bencode: {
    encode(data: unknown): Uint8Array
    decode(data: Uint8Array, start?: number, end?: number, encoding?: string): unknown
  }
  export default bencode
}
