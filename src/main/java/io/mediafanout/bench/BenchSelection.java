package io.mediafanout.bench;

import jakarta.inject.Singleton;

import io.mediafanout.inngest.FunctionSelection;
import io.quarkus.arc.lookup.LookupIfProperty;

/**
 * The one switch of benchmark and conformance mode ({@value BenchFunction#PROPERTY}{@code =true}): only the
 * functions of this package (the reference-shaped fan-out twin, {@code durable-branches}, {@code repeat-demo}) are
 * served, instead of the media pipeline's. Nothing outside this package knows about it.
 */
@Singleton
@LookupIfProperty(name = BenchFunction.PROPERTY, stringValue = "true")
public class BenchSelection implements FunctionSelection {

    @Override
    public boolean serves(Class<?> declaringClass) {
        return declaringClass.getPackageName().equals(BenchSelection.class.getPackageName());
    }
}
