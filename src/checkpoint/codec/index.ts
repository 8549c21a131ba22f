export { CHUNK_SIZE, hashBytes, joinChunks, splitChunks } from './chunk.js';
export { decodeValue } from './decode.js';
export { encodeValue } from './encode.js';
export { FORMAT_VERSION, MAGIC, MAX_DEPTH, Tag } from './format.js';
export { toInspectable } from './inspect.js';
