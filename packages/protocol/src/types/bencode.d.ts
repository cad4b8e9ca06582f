// The `bencode` package (v4) ships no types; this is the part this package uses.
declare module 'bencode' {
  const bencode: {
    encode(data: unknown): Uint8Array
    decode(data: Uint8Array, start?: number, end?: number, encoding?: string): unknown
    byteLength(data: unknown): number
  }
  export default bencode
}
