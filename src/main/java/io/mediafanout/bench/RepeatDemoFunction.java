package io.mediafanout.bench;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.mediafanout.inngest.FunctionDefinition;
import io.mediafanout.inngest.Trigger;
import io.quarkus.arc.lookup.LookupIfProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/**
 * Benchmark and conformance mode only ({@code -Dmediafanout.bench-function=true}): {@code repeat-demo} shows how
 * repeated step ids are indexed ({@code dup}, {@code dup:1}, then {@code par}, {@code par:1} in parallel), as the
 * official SDKs do.
 */
@Singleton
public class RepeatDemoFunction {

    @RegisterForReflection
    public record Repeated(Integer a, Integer b, Integer c, Integer d) {
    }

    @Produces
    @Singleton
    @LookupIfProperty(name = BenchFunction.PROPERTY, stringValue = "true")
    FunctionDefinition repeatDemo() {
        return FunctionDefinition.builder("repeat-demo")
                .trigger(Trigger.event("demo/repeat"))
                .retries(0)
                .handler((ctx, step) -> step.run("dup", Integer.class, () -> Uni.createFrom().item(1))
                        .chain(a -> step.run("dup", Integer.class, () -> Uni.createFrom().item(2))
                                .chain(b -> Uni.combine().all()
                                        .unis(step.run("par", Integer.class, () -> Uni.createFrom().item(3)),
                                                step.run("par", Integer.class, () -> Uni.createFrom().item(4)))
                                        .asTuple()
                                        .map(cd -> new Repeated(a, b, cd.getItem1(), cd.getItem2())))))
                .build();
    }
}
