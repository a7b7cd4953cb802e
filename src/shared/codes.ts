/** Crockford-style base 32 (no I, L, O, U): the letters of every code a person may have to type (invites, verification codes). */
export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
