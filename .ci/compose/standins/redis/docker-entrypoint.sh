#!/bin/sh
# Minimal re-implementation of the official redis image's entrypoint.
set -e

if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
    set -- redis-server "$@"
fi

if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
    find . \! -user redis -exec chown redis '{}' +
    exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

if [ "$1" = 'redis-server' ]; then
    case "$2" in
        *.conf) ;;
        *) case " $* " in
               *" --protected-mode "*) ;;
               *) set -- "$@" --protected-mode no ;;
           esac ;;
    esac
fi

umask 0077
exec "$@"
