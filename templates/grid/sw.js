{% load static %}/* The grid worker's service worker (scope "/"): its configuration, then the shared outbox and the
 * worker itself, static files. Served by grid.views.offline.service_worker. */
self.GRID_SW = {{ config|safe }};
importScripts("{% static 'grid/outbox.js' %}", "{% static 'grid/sw-main.js' %}");
