package org.snapshare.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * The ceiling of any iSCSI target on this machine for large writes from a
 * local initiator: one TCP stream over 127.0.0.1 that only moves bytes (1 MiB
 * writes into the socket, reads into a reused direct buffer, nothing done
 * with them). Prints the median MiB/s of 3 rounds after a warm-up. Used by
 * bench/iscsi-bench.sh.
 */
public final class LoopbackTcpBench {

    private static final int UNIT = 1 << 20;
    private static final int ROUNDS = 3;

    private LoopbackTcpBench() {
    }

    public static void main(String[] args) throws Exception {
        long bytes = (args.length > 0 ? Long.parseLong(args[0]) : 4096) << 20;
        double[] rates = new double[ROUNDS + 1];
        for (int round = 0; round <= ROUNDS; round++) { // round 0 warms up
            rates[round] = mibPerSecond(bytes);
        }
        double[] measured = Arrays.copyOfRange(rates, 1, rates.length);
        Arrays.sort(measured);
        System.out.printf("%.0f%n", measured[ROUNDS / 2]);
    }

    private static double mibPerSecond(long bytes) throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> drain(listener));
            long start = System.nanoTime();
            try (SocketChannel sender = SocketChannel.open(listener.getLocalAddress())) {
                ByteBuffer unit = ByteBuffer.allocateDirect(UNIT);
                for (long sent = 0; sent < bytes; sent += UNIT) {
                    unit.clear();
                    while (unit.hasRemaining()) {
                        sender.write(unit);
                    }
                }
            }
            if (received.get() != bytes) {
                throw new IOException("received " + received.get() + " of " + bytes + " bytes");
            }
            return bytes / 1048576.0 / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static long drain(ServerSocketChannel listener) {
        try (SocketChannel receiver = listener.accept()) {
            ByteBuffer unit = ByteBuffer.allocateDirect(UNIT);
            long total = 0;
            for (int n = receiver.read(unit); n >= 0; n = receiver.read(unit.clear())) {
                total += n;
            }
            return total;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
