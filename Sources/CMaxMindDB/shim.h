#include <sys/socket.h>
#include <netinet/in.h>
#include <maxminddb.h>

/* A uint128 value as two halves: Swift cannot see libmaxminddb's union member, which is
   a native unsigned __int128 or 16 big-endian bytes depending on how it was built. */
static inline void trawl_mmdb_uint128(const MMDB_entry_data_s *data, uint64_t *high, uint64_t *low) {
#if MMDB_UINT128_IS_BYTE_ARRAY
    uint64_t h = 0, l = 0;
    for (int i = 0; i < 8; i++) h = (h << 8) | data->uint128[i];
    for (int i = 8; i < 16; i++) l = (l << 8) | data->uint128[i];
    *high = h;
    *low = l;
#else
    *high = (uint64_t)(data->uint128 >> 64);
    *low = (uint64_t)data->uint128;
#endif
}
