/*
 * libnl reports errors as its own numbers (NLE_*), callers of tfolab's
 * netlink code want errno values: the one map between them, for os/iface.c
 * and the netem backend alike.
 */
#ifndef TFOLAB_COMMON_NLERR_H
#define TFOLAB_COMMON_NLERR_H

/*
 * nlerr_to_errno - the negative errno for a libnl error code (either sign),
 * the inverse of libnl's nl_syserr2nlerr(): NLE_OBJ_NOTFOUND -> -ENOENT,
 * NLE_EXIST -> -EEXIST, ...; codes without an errno give -EIO; 0 gives 0.
 */
int nlerr_to_errno(int nlerr);

#endif
