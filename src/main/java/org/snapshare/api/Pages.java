package org.snapshare.api;

import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * List pagination: {@code ?limit=N} (1 to {@link #MAX_LIMIT}, default
 * {@link #DEFAULT_LIMIT}) and {@code ?after=NAME}, the last name of the page
 * before; the body stays a plain array, and a {@code Link: <...>; rel="next"}
 * header (RFC 8288) names the next page when there is one.
 */
final class Pages {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private Pages() {
    }

    /** The page of {@code items}, in the order of {@code key}, the request asks for. */
    static <T> List<T> page(Context ctx, List<T> unsorted, Function<T, String> key) {
        List<T> items = new ArrayList<>(unsorted);
        items.sort(Comparator.comparing(key));
        int limit = limit(ctx);
        String after = ctx.queryParam("after");
        int from = 0;
        if (after != null) {
            while (from < items.size() && key.apply(items.get(from)).compareTo(after) <= 0) {
                from++;
            }
        }
        int to = Math.min(items.size(), from + limit);
        List<T> page = items.subList(from, to);
        if (to < items.size()) {
            ctx.header("Link", "<" + ctx.path() + "?limit=" + limit + "&after=" + key.apply(items.get(to - 1))
                    + ">; rel=\"next\"");
        }
        return page;
    }

    private static int limit(Context ctx) {
        String text = ctx.queryParam("limit");
        if (text == null) {
            return DEFAULT_LIMIT;
        }
        if (!text.matches("[0-9]{1,4}") || Integer.parseInt(text) < 1 || Integer.parseInt(text) > MAX_LIMIT) {
            throw new ApiProblem(400, Problems.title(400), "limit must be a number from 1 to " + MAX_LIMIT
                    + ", not '" + text + "'");
        }
        return Integer.parseInt(text);
    }
}
