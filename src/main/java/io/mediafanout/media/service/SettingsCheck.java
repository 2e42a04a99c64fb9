package io.mediafanout.media.service;

/**
 * A check of settings that a layer above the service owns (the media API's callers, for one): {@link RequiredSettings}
 * runs every such bean at start beside its own checks and names all their problems in one message.
 */
public interface SettingsCheck {

    /** Throws an {@link IllegalStateException} naming the setting when it cannot be worked with. */
    void check(boolean production);
}
