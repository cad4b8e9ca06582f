/** Limits of the wire protocol. */

/** Bytes; a larger inbound KRPC packet is rejected before it is parsed (but see MAX_REPLY_PACKET). */
export const MAX_PACKET = 1500

/**
 * Bytes; the largest reply to one of our queries that is parsed: a UDP datagram's largest payload
 * over IPv4. BEP 5 sets no size for a reply, and some nodes answer find_node with their whole
 * routing table (bittorrent-dht does: 26 bytes per contact, over MAX_PACKET from about 56
 * contacts). The transport decodes a packet this large only when it comes from an address it has
 * a query pending to.
 */
export const MAX_REPLY_PACKET = 65_507

/**
 * A KRPC reply (or error) to a querier whose address is not proven (by a token) may be at most
 * this many times the size of its query: the one amplification bound of transport, routing,
 * crawler (query padding) and lists.
 */
export const AMPLIFICATION_LIMIT = 3

/** Deepest nesting of bencoded lists/dicts accepted from the network (the top-level dict is 1). */
export const BDECODE_MAX_DEPTH = 8

/** Most values (of any kind, nested ones included) in one bdecoded input. */
export const BDECODE_MAX_ITEMS = 4096

/** Longest input `bdecode` accepts unless told otherwise. */
export const BDECODE_MAX_LENGTH = 64 * 1024

/** A KRPC transaction id is 1..16 bytes (bittorrent-dht and libtorrent use 2-4). */
export const MAX_TID_LENGTH = 16

/** A KRPC method name is 1..64 visible ASCII characters. */
export const MAX_METHOD_LENGTH = 64

/** Peer record names are at most 64 bytes of UTF-8. */
export const MAX_NAME_BYTES = 64

/** Keyword queries (`pc_search`) are 1..64 bytes of UTF-8. */
export const MAX_QUERY_BYTES = 64

/** Tokens (`pc_list` replies, `pc_announce` arguments) are 1..64 bytes. */
export const MAX_TOKEN_BYTES = 64

/** Number of directory lists; their ids are floor(i * 2^160 / LIST_COUNT). */
export const LIST_COUNT = 20

/** Bytes of one compact IPv4 node (id, address, port) and one IPv6 node (BEP 32). */
export const COMPACT_NODE_LENGTH = 26
export const COMPACT_NODE6_LENGTH = 38

/** Raw ed25519 public keys are 32 bytes; signatures 64. */
export const PUBLIC_KEY_LENGTH = 32
export const SIGNATURE_LENGTH = 64

/** Public KeyObjects kept for signature checks (peers re-announce every few seconds). */
export const KEY_CACHE_SIZE = 4096
