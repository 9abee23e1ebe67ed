/* SPDX-License-Identifier: MIT */
/* errno to MEMMAP_E* translation. */
#include "internal.h"

#include <errno.h>

int memmap_os_error(int e)
{
    int code;
    switch (e) {
    case ENOENT: case ENOTDIR: case ELOOP:
        code = MEMMAP_ENOENT; break;
    case EEXIST:
        code = MEMMAP_EEXIST; break;
    case EACCES: case EPERM: case EROFS:
        code = MEMMAP_EACCES; break;
    case ENOMEM: case EAGAIN:
        code = MEMMAP_ENOMEM; break;
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
        code = MEMMAP_ENOSPC; break;
    case EFBIG: case EOVERFLOW:
        code = MEMMAP_EFBIG; break;
    case ENOTSUP:
#if defined(EOPNOTSUPP) && EOPNOTSUPP != ENOTSUP
    case EOPNOTSUPP:
#endif
    case ENOSYS:
        code = MEMMAP_ENOTSUP; break;
    case EBUSY: case ETXTBSY:
        code = MEMMAP_EBUSY; break;
    case EBADF:
        code = MEMMAP_EBADF; break;
    case EISDIR:
        code = MEMMAP_EISDIR; break;
    case ENODEV: case ENXIO: case ESPIPE:
        code = MEMMAP_ENODEV; break;
    case EMFILE: case ENFILE:
        code = MEMMAP_EMFILE; break;
    case EINVAL: case ENAMETOOLONG:
        code = MEMMAP_EINVAL; break;
    default:
        code = MEMMAP_EIO; break;
    }
    return memmap_fail_os(code, e);
}
