#!/bin/sh
echo "The Prisma schema engine binary is not available offline; use npm run db:diff." >&2
exit 1
