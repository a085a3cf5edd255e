package io.github.redisleaseha.sentinel;

import io.github.redisleaseha.core.RateLimitedLog;
import io.github.redisleaseha.sentinel.SentinelProtocol.Reply;
import io.github.redisleaseha.sentinel.SentinelProtocol.Session;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.redis.ArrayHeaderRedisMessage;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.BulkStringHeaderRedisMessage;
import io.netty.handler.codec.redis.BulkStringRedisContent;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.FixedRedisMessagePool;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.InlineCommandRedisMessage;
import io.netty.handler.codec.redis.IntegerRedisMessage;
import io.netty.handler.codec.redis.LastBulkStringRedisContent;
import io.netty.handler.codec.redis.RedisArrayAggregator;
import io.netty.handler.codec.redis.RedisBulkStringAggregator;
import io.netty.handler.codec.redis.RedisDecoder;
import io.netty.handler.codec.redis.RedisEncoder;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Sentinel-compatible endpoint's server: Netty's RESP codec ({@code codec-redis}) on one event-loop
 * thread, in front of {@link SentinelProtocol}. What it bounds, so that no client can hurt the sidecar:
 *
 * <ul>
 *   <li>a command has at most {@value #MAX_ARGS} arguments of at most {@value #MAX_ARG_BYTES} bytes
 *       each, an inline command at most {@value #MAX_INLINE_BYTES} bytes, and no nesting. The limits
 *       are checked on the headers, before anything is buffered (Netty's aggregators would otherwise
 *       allocate whatever a header announces); a request past them, or bytes that are not RESP, get
 *       one {@code -ERR Protocol error} and the connection is closed;
 *   <li>at most {@value #MAX_CLIENTS} connections; one more is told so and closed;
 *   <li>a subscriber that does not read its messages is closed once {@value #MAX_PENDING_BYTES}
 *       bytes wait for it, instead of buffering without end.
 * </ul>
 *
 * Buffers are unpooled: the endpoint moves a few hundred bytes a second, and a pooled allocator would
 * reserve megabytes of arenas in a sidecar that is sized in tens of megabytes.
 */
final class SentinelServer implements SentinelEndpoint {

  private static final Logger log = LoggerFactory.getLogger(SentinelServer.class);
  static final int MAX_ARGS = 64;
  static final int MAX_ARG_BYTES = 16 * 1024;
  static final int MAX_INLINE_BYTES = 16 * 1024;
  static final int MAX_CLIENTS = 1024;
  static final int MAX_PENDING_BYTES = 256 * 1024;

  private final SentinelProtocol protocol;
  private final EventLoopGroup group = new NioEventLoopGroup(1, new DefaultThreadFactory("sentinel", true));
  private volatile Channel server;
  private final Map<Channel, Session> sessions = new ConcurrentHashMap<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final RateLimitedLog refusals = new RateLimitedLog(log, 30_000);
  private volatile SentinelView view = SentinelView.NONE;

  private SentinelServer(SentinelProtocol protocol) {
    this.protocol = protocol;
  }

  static SentinelServer listen(SentinelProtocol protocol, String bindHost, int port) throws IOException {
    SentinelServer endpoint = new SentinelServer(protocol);
    endpoint.bind(bindHost, port);
    return endpoint;
  }

  private void bind(String bindHost, int port) throws IOException {
    ByteBufAllocator alloc = UnpooledByteBufAllocator.DEFAULT;
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.ALLOCATOR, alloc)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.ALLOCATOR, alloc)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(MAX_PENDING_BYTES / 2, MAX_PENDING_BYTES))
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline()
                .addLast(new RedisDecoder(MAX_INLINE_BYTES, FixedRedisMessagePool.INSTANCE, true))
                .addLast(new Bounds())
                .addLast(new RedisBulkStringAggregator())
                .addLast(new RedisArrayAggregator())
                .addLast(new RedisEncoder())
                .addLast(new Commands());
          }
        });
    InetSocketAddress at = bindHost == null || bindHost.isBlank() ? new InetSocketAddress(port) : new InetSocketAddress(bindHost, port);
    try {
      server = b.bind(at).sync().channel();
    } catch (Exception e) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw new IOException("cannot listen on " + at + ": " + e.getMessage(), e);
    }
  }

  @Override
  public InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  @Override
  public void update(SentinelView next) {
    SentinelView before = view;
    view = next;
    for (String[] event : SentinelEvents.between(protocol.masterName(), before, next)) {
      log.info("Sentinel endpoint: publishing {} {}", event[0], event[1]);
      sessions.forEach((channel, session) -> {
        Reply message = SentinelProtocol.message(session, event[0], event[1]);
        if (message != null) {
          channel.writeAndFlush(encode(message));
        }
      });
    }
  }

  SentinelView view() {
    return view;
  }

  @Override
  public void close() {
    if (server != null) {
      server.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  // ---------------------------------------------------------------- codec

  static RedisMessage encode(Reply r) {
    return switch (r) {
      case SentinelProtocol.Simple s -> new SimpleStringRedisMessage(s.text());
      case SentinelProtocol.Error e -> new ErrorRedisMessage(e.text());
      case SentinelProtocol.Int i -> new IntegerRedisMessage(i.value());
      case SentinelProtocol.Bulk b -> new FullBulkStringRedisMessage(Unpooled.copiedBuffer(b.text(), StandardCharsets.UTF_8));
      case SentinelProtocol.Nil n -> FullBulkStringRedisMessage.NULL_INSTANCE;
      case SentinelProtocol.NilArray n -> ArrayRedisMessage.NULL_INSTANCE;
      case SentinelProtocol.Arr a -> {
        List<RedisMessage> children = new ArrayList<>(a.items().size());
        a.items().forEach(item -> children.add(encode(item)));
        yield new ArrayRedisMessage(children);
      }
    };
  }

  /** Ends a connection whose client broke the protocol or a bound: one error reply, then close. */
  static void refuse(ChannelHandlerContext ctx, String why) {
    if (ctx.channel().isActive()) {
      ctx.writeAndFlush(new ErrorRedisMessage("ERR Protocol error: " + why)).addListener(ChannelFutureListener.CLOSE);
    }
  }

  /**
   * Checks the decoder's headers against the bounds before the aggregators buffer anything, and
   * passes only flat arrays of bulk strings and inline commands on.
   */
  private static final class Bounds extends ChannelInboundHandlerAdapter {
    /** Elements left in the command being read (0: between commands). */
    private long remaining;
    private boolean inBulk;
    private boolean broken;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (broken) {
        ReferenceCountUtil.release(msg);
        return;
      }
      String problem = check(msg);
      if (problem != null) {
        broken = true;
        ReferenceCountUtil.release(msg);
        refuse(ctx, problem);
        return;
      }
      ctx.fireChannelRead(msg);
    }

    private String check(Object msg) {
      if (inBulk) {
        if (msg instanceof BulkStringRedisContent) {
          if (msg instanceof LastBulkStringRedisContent) {
            inBulk = false;
            remaining--;
          }
          return null;
        }
        return "unexpected message inside a bulk string";
      }
      if (remaining == 0) {
        if (msg instanceof InlineCommandRedisMessage) {
          return null;
        }
        if (msg instanceof ArrayHeaderRedisMessage h) {
          if (h.length() > MAX_ARGS) {
            return "a command has at most " + MAX_ARGS + " arguments here, this one announced " + h.length();
          }
          remaining = Math.max(0, h.length());
          return null;
        }
        return "expected '*', got " + kind(msg);
      }
      if (msg instanceof FullBulkStringRedisMessage) {
        remaining--;
        return null;
      }
      if (msg instanceof BulkStringHeaderRedisMessage h) {
        if (h.bulkStringLength() > MAX_ARG_BYTES) {
          return "an argument has at most " + MAX_ARG_BYTES + " bytes here, this one announced " + h.bulkStringLength();
        }
        inBulk = true;
        return null;
      }
      return "expected '$', got " + kind(msg);
    }

    private static String kind(Object msg) {
      return msg instanceof ArrayHeaderRedisMessage ? "a nested array" : msg.getClass().getSimpleName().replace("RedisMessage", "");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // The decoder's own errors: bytes that are not RESP, an inline command past its bound.
      broken = true;
      String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
      refuse(ctx, why.length() > 120 ? why.substring(0, 120) : why);
    }
  }

  /** Runs the commands of one connection in order. */
  private final class Commands extends SimpleChannelInboundHandler<RedisMessage> {
    private Session session;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      if (connections.incrementAndGet() > MAX_CLIENTS) {
        refusals.failure("Sentinel endpoint: refused a connection from " + ctx.channel().remoteAddress() + ": "
            + MAX_CLIENTS + " clients are connected", null);
        ctx.writeAndFlush(new ErrorRedisMessage("ERR max number of clients reached")).addListener(ChannelFutureListener.CLOSE);
        return;
      }
      session = protocol.open();
      sessions.put(ctx.channel(), session);
      ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      connections.decrementAndGet();
      sessions.remove(ctx.channel());
      ctx.fireChannelInactive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (!ctx.channel().isWritable()) {
        refusals.failure("Sentinel endpoint: closed " + ctx.channel().remoteAddress() + ", which does not read its replies", null);
        ctx.close();
      }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, RedisMessage msg) {
      if (session == null) {
        return;
      }
      List<String> args = new ArrayList<>();
      if (msg instanceof InlineCommandRedisMessage inline) {
        for (String word : inline.content().trim().split("\\s+")) {
          if (!word.isEmpty()) {
            args.add(word);
          }
        }
      } else if (msg instanceof ArrayRedisMessage array && !array.isNull()) {
        for (RedisMessage child : array.children()) {
          FullBulkStringRedisMessage bulk = (FullBulkStringRedisMessage) child;
          args.add(bulk.isNull() ? "" : bulk.content().toString(StandardCharsets.UTF_8));
        }
      }
      boolean wasAuthenticated = session.authenticated;
      List<Reply> replies = protocol.handle(session, args);
      if (!args.isEmpty() && !session.authenticated && !wasAuthenticated && args.get(0).equalsIgnoreCase("auth")) {
        refusals.failure("Sentinel endpoint: refused AUTH from " + ctx.channel().remoteAddress(), null);
      }
      for (Reply r : replies) {
        ctx.write(encode(r));
      }
      if (session.closeAfterReply()) {
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      } else {
        ctx.flush();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("Sentinel endpoint: connection {} failed", ctx.channel().remoteAddress(), cause);
      ctx.close();
    }
  }
}
