"""Django's Redis cache backend, keeping one client for each connection pool.

Django's client builds a new `redis.Redis` for every cache operation, and building one costs
almost as much as the round trip it makes; a signed-in page view makes several. A `redis.Redis`
is safe to share between threads (each command takes a connection from the pool), so one is
kept per pool instead.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class KeptClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient
